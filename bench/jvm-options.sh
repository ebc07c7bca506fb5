# Sourced by the benchmark scripts: the module opens Spark 4 needs on Java 17 (Spark's
# JavaModuleOptions), as bin/phalanx passes them, in the array `opens`.
opens=()
for pkg in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util \
           java.util.concurrent java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs \
           sun.security.action sun.util.calendar; do
  opens+=("--add-opens=java.base/$pkg=ALL-UNNAMED")
done
