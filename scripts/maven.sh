# Sourced by scripts/search-engine.sh and scripts/vnu.sh: resolving jars from Maven Central
# into a folder, once. The sourcing script defines log, die and need (its own prefix and exit
# codes) before calling these.

# Pinned so that resolution does not depend on whatever plugin version Maven picks.
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

# Maven 3.8 prints colour-reset codes even with -q -B; keep stderr readable.
# (pipefail keeps mvn's exit status.)
mvn_quiet() { timeout 900 mvn -q -B "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; }

# A throwaway pom: Maven needs a project to resolve a dependency tree into a folder.
write_pom() {  # write_pom DIR GROUP ARTIFACT VERSION
  cat >"$1/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.portal</groupId>
  <artifactId>portal-resolve</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>$2</groupId>
      <artifactId>$3</artifactId>
      <version>$4</version>
    </dependency>
  </dependencies>
</project>
POM
}

# resolve_jars GROUP ARTIFACT VERSION LIB: the artifact's runtime jars into LIB, once. A
# `.complete` marker tells a finished download from one cut short; the jars are resolved
# beside LIB and moved into place only when complete.
resolve_jars() {
  local group=$1 artifact=$2 version=$3 lib=$4 tmp t0=$SECONDS
  [ -f "$lib/.complete" ] && return 0
  need mvn "needed once to fetch $group:$artifact:$version from Maven Central"
  log "resolving $group:$artifact:$version from Maven Central..."
  mkdir -p "$(dirname "$lib")"
  tmp=$(mktemp -d "$(dirname "$lib")/resolve.XXXXXX")
  write_pom "$tmp" "$group" "$artifact" "$version"
  if ! (cd "$tmp" && mvn_quiet "$DEP_PLUGIN:copy-dependencies" \
        -DoutputDirectory="$tmp/lib" -DincludeScope=runtime); then
    rm -rf "$tmp"
    die "could not resolve $group:$artifact:$version (is Maven Central reachable?)"
  fi
  touch "$tmp/lib/.complete"
  rm -rf "$lib"
  mv "$tmp/lib" "$lib"
  rm -rf "$tmp"
  log "resolved $(find "$lib" -name '*.jar' | wc -l) jars into $lib in $((SECONDS - t0)) s"
}
