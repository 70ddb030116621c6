import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassElement;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.constant.ClassDesc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Rewrites the class files of a jar that are older than Java 6 (class version 50) as version 52,
 * with the stack maps a modern verifier needs, so class-data sharing and the JDK 25 AOT cache can
 * keep them: both skip pre-50 classes ("Old class has been linked"). picocli ships as Java 5
 * classes, and it is most of what the CLI loads (issue 17). Run by the build with JDK 25's source
 * launcher: java build-tools/ModernClassFiles.java JAR...
 */
public final class ModernClassFiles {
  private static final int MODERN = ClassFile.JAVA_8_VERSION;

  public static void main(String[] args) throws IOException {
    for (String arg : args) {
      rewrite(Path.of(arg));
    }
  }

  static void rewrite(Path jar) throws IOException {
    Path out = jar.resolveSibling(jar.getFileName() + ".new");
    int upgraded = 0;
    try (JarFile in = new JarFile(jar.toFile());
        JarOutputStream target = new JarOutputStream(Files.newOutputStream(out))) {
      ClassFile classFile = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
          ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
              .orElse(ClassHierarchyResolver.ofResourceParsing(desc -> open(in, desc)))));
      for (Enumeration<JarEntry> entries = in.entries(); entries.hasMoreElements(); ) {
        JarEntry entry = entries.nextElement();
        byte[] bytes;
        try (InputStream data = in.getInputStream(entry)) {
          bytes = data.readAllBytes();
        }
        if (entry.getName().endsWith(".class") && !entry.getName().endsWith("module-info.class")) {
          ClassModel model = classFile.parse(bytes);
          if (model.majorVersion() < ClassFile.JAVA_6_VERSION) {
            bytes = classFile.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(ModernClassFiles::version));
            upgraded++;
          }
        }
        JarEntry copy = new JarEntry(entry.getName());
        copy.setTime(entry.getTime());
        target.putNextEntry(copy);
        target.write(bytes);
        target.closeEntry();
      }
    }
    if (upgraded == 0) {
      // Already modern (a rebuild): keep the jar and its time, which the CLI's AOT cache checks.
      Files.delete(out);
      return;
    }
    Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("ModernClassFiles: " + jar.getFileName() + ": " + upgraded + " classes rewritten as version " + MODERN);
  }

  private static void version(java.lang.classfile.ClassBuilder builder, ClassElement element) {
    if (element instanceof ClassFileVersion) {
      builder.withVersion(MODERN, 0);
    } else {
      builder.with(element);
    }
  }

  private static InputStream open(JarFile jar, ClassDesc desc) {
    String name = desc.descriptorString();
    JarEntry entry = jar.getJarEntry(name.substring(1, name.length() - 1) + ".class");
    try {
      return entry == null ? null : jar.getInputStream(entry);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
