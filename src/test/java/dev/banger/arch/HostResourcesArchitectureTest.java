package dev.banger.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The seams of issue 4, held by the build rather than by review. */
class HostResourcesArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void importMain() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.banger");
  }

  @Test
  void hostKnowsNothingAboutVms() {
    noClasses().that().resideInAPackage("dev.banger.host..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.banger.model..", "dev.banger.vm..", "dev.banger.network..", "dev.banger.rootdisk..", "dev.banger.store..")
        .check(classes);
  }

  @Test
  void rootDisksAndNetworkAreIndependent() {
    noClasses().that().resideInAPackage("dev.banger.rootdisk..")
        .should().dependOnClassesThat().resideInAPackage("dev.banger.network..")
        .check(classes);
    noClasses().that().resideInAPackage("dev.banger.network..")
        .should().dependOnClassesThat().resideInAPackage("dev.banger.rootdisk..")
        .check(classes);
  }

  @Test
  void hostResourcesDoNotReachUpIntoTheDaemon() {
    noClasses().that().resideInAnyPackage("dev.banger.rootdisk..", "dev.banger.network..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.banger.api..", "dev.banger.cli..", "dev.banger.daemon..", "dev.banger.vm..")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void onlyHostStartsProcesses() {
    // Short-lived host commands go through host's CommandRunner; the one other spawner is
    // VmmLauncher, which starts long-lived VMM processes detached from the daemon.
    noClasses().that().resideOutsideOfPackage("dev.banger.host..")
        .and().doNotHaveFullyQualifiedName("dev.banger.vmm.VmmLauncher")
        .should().dependOnClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName())
        .orShould().callMethod(Runtime.class, "exec", String[].class)
        .check(classes);
  }
}
