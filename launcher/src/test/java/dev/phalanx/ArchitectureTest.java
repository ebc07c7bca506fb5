package dev.phalanx;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package structure of the main code of every module on this classpath (models, engine,
 * launcher), checked on the compiled classes: no package cycles, and the arrows of
 * ARCHITECTURE.md pointing one way — launcher → api → driver → worker → the parts (checkpoint,
 * collective, data, model, optim, process) → the shared job values → the models.
 */
@AnalyzeClasses(packages = "dev.phalanx", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String[] PARTS = {"dev.phalanx.engine.checkpoint..", "dev.phalanx.engine.collective..",
        "dev.phalanx.engine.data..", "dev.phalanx.engine.model..", "dev.phalanx.engine.optim..",
        "dev.phalanx.engine.process.."};

    /** Every package on its own: {@code api} and {@code api.ml} are two slices. */
    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("dev.phalanx.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule layersPointOneWay = layeredArchitecture()
            .consideringOnlyDependenciesInAnyPackage("dev.phalanx..")
            .layer("launcher").definedBy("dev.phalanx.launcher..")
            .layer("api").definedBy("dev.phalanx.engine.api..")
            .layer("driver").definedBy("dev.phalanx.engine.driver..")
            .layer("worker").definedBy("dev.phalanx.engine.worker..")
            .layer("parts").definedBy(PARTS)
            .layer("job").definedBy("dev.phalanx.engine.job..")
            .layer("models").definedBy("dev.phalanx.models..")
            .whereLayer("launcher").mayNotBeAccessedByAnyLayer()
            .whereLayer("api").mayOnlyBeAccessedByLayers("launcher")
            .whereLayer("driver").mayOnlyBeAccessedByLayers("launcher", "api")
            .whereLayer("worker").mayOnlyBeAccessedByLayers("launcher", "api", "driver")
            .whereLayer("parts").mayOnlyBeAccessedByLayers("launcher", "api", "driver", "worker")
            .whereLayer("job").mayOnlyBeAccessedByLayers("launcher", "api", "driver", "worker", "parts");

    @ArchTest
    static final ArchRule modelsKnowOnlyDjl = noClasses().that().resideInAPackage("dev.phalanx.models..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.phalanx.engine..", "dev.phalanx.launcher..",
                    "org.apache.spark..", "org.apache.hadoop..");

    @ArchTest
    static final ArchRule collectivesKnowNoDjl = noClasses().that().resideInAPackage("dev.phalanx.engine.collective..")
            .should().dependOnClassesThat().resideInAnyPackage("ai.djl..", "dev.phalanx.models..");

    @ArchTest
    static final ArchRule onlyTheSparkRendezvousInCollectivesKnowsSpark = noClasses()
            .that().resideInAPackage("dev.phalanx.engine.collective..")
            .and().doNotHaveSimpleName("SparkBarrierRendezvous")
            .should().dependOnClassesThat().resideInAPackage("org.apache.spark..");

    /** The values every layer shares need nothing but the JDK, so any layer can hold them. */
    @ArchTest
    static final ArchRule jobValuesStandAlone = noClasses().that().resideInAPackage("dev.phalanx.engine.job..")
            .should().dependOnClassesThat().resideOutsideOfPackages("java..", "dev.phalanx.engine.job..");
}
