package dev.banger.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package boundaries of DESIGN.md, held by the build. */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.banger");
  }

  @Test
  void topLevelPackagesHaveNoCycles() {
    slices().matching("dev.banger.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theCliTouchesNeitherTheDatabaseNorTheServer() {
    noClasses().that().resideInAPackage("dev.banger.cli..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.banger.store..", "dev.banger.vm..", "dev.banger.rootdisk..", "dev.banger.network..",
            "dev.banger.vmm..", "dev.banger.image..", "java.sql..", "org.eclipse.jetty..", "org.sqlite..",
            "ch.qos.logback..", "com.fasterxml.jackson.databind..")
        .check(classes);
  }

  @Test
  void onlyTheDaemonCommandReachesIntoTheDaemon() {
    noClasses().that().resideInAPackage("dev.banger.cli..").and().doNotHaveSimpleName("DaemonCommand")
        .should().dependOnClassesThat().resideInAPackage("dev.banger.daemon..")
        .check(classes);
  }

  @Test
  void hostKnowsNothingOfVms() {
    noClasses().that().resideInAPackage("dev.banger.host..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.banger.vm..", "dev.banger.model..", "dev.banger.store..", "dev.banger.api..", "dev.banger.daemon..")
        .check(classes);
  }

  @Test
  void theVmLayerRunsNoHostCommandsItself() {
    noClasses().that().resideInAPackage("dev.banger.vm..")
        .should().dependOnClassesThat().haveFullyQualifiedName("dev.banger.host.ProcessCommandRunner")
        .check(classes);
  }

  @Test
  void theKubeletReachesBangerOnlyThroughTheDaemonsApi() {
    noClasses().that().resideInAPackage("dev.banger.kubelet..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.banger.store..", "dev.banger.vm..", "dev.banger.vmm..", "dev.banger.daemon..", "dev.banger.network..",
            "dev.banger.rootdisk..", "dev.banger.image..", "dev.banger.host..")
        .check(classes);
  }

  @Test
  void onlyTheKubeletUsesTheKubernetesClient() {
    // Its jars are off the CLI's class path (lib/kubelet/): nothing else may need them.
    noClasses().that().resideOutsideOfPackage("dev.banger.kubelet..")
        .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "tools.jackson..")
        .check(classes);
  }

  @Test
  void theStoreAndModelDoNotDependOnServices() {
    noClasses().that().resideInAnyPackage("dev.banger.store..", "dev.banger.model..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.banger.vm..", "dev.banger.api..", "dev.banger.daemon..", "dev.banger.cli..")
        .check(classes);
  }
}
