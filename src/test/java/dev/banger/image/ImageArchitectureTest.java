package dev.banger.image;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The image packages: no cycles between them; the model stays free of I/O seams. */
class ImageArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.banger");

  @Test
  void imageSubPackagesHaveNoCycles() {
    slices().matching("dev.banger.image.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void storeDoesNotDependOnImage() {
    noClasses().that().resideInAPackage("dev.banger.store..")
        .should().dependOnClassesThat().resideInAPackage("dev.banger.image..").check(CLASSES);
  }

  @Test
  void theFlatteningModelRunsNoHostCommands() {
    noClasses().that().resideInAPackage("dev.banger.image.model..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.banger.host..", "dev.banger.store..", "java.net..")
        .check(CLASSES);
  }
}
