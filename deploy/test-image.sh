#!/usr/bin/env bash
# Builds the worker image from deploy/Dockerfile with podman and proves what users rely on, against a real
# broker and the simulator on this host (bench ImageCheck): it runs as non-root, `check` passes in it, the
# worker turns ready and answers every request once, the image's HEALTHCHECK passes, and SIGTERM drains it
# within the 30 s grace period of the manifests, its unfinished requests answered by the next container.
#
#   deploy/test-image.sh               build a local base image (Debian bookworm by debootstrap, plus this
#                                      machine's JDK 25), then the images on it, then the checks
#   BASE_IMAGE=eclipse-temurin:25-jdk deploy/test-image.sh
#                                      build on that base instead (where a registry is reachable)
#
# Needs: podman, and for the local base debootstrap (apt-get install podman runc debootstrap) and root.
# Where the sandbox refuses raising rlimits, /etc/containers/containers.conf must say
#   [containers]
#   default_ulimits = []
# (written here when the file does not exist). The runtime is runc where installed (crun refuses some
# cgroup layouts); PODMAN overrides the whole command, e.g. PODMAN="podman --runtime crun".
# Takes about three minutes; Maven's repository (~/.m2) is mounted into the build, so it downloads little.
# Exit status: 0 when every check held, 1 otherwise, 2 when a tool is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v podman >/dev/null || { echo "test-image: needs podman (apt-get install podman runc debootstrap)" >&2; exit 2; }
if [ ! -e /etc/containers/containers.conf ]; then
  mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = []\n' > /etc/containers/containers.conf
  echo "test-image: wrote /etc/containers/containers.conf (default_ulimits = [])" >&2
fi
if [ -z "${PODMAN:-}" ]; then
  PODMAN="podman"
  command -v runc >/dev/null && PODMAN="podman --runtime runc"
fi
export PODMAN
read -r -a podman <<< "$PODMAN"

image=localhost/mj-tracker:test
base="${BASE_IMAGE:-localhost/mj-tracker-base:25}"
if [ -z "${BASE_IMAGE:-}" ] && ! "${podman[@]}" image exists "$base"; then
  command -v debootstrap >/dev/null || { echo "test-image: the local base needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }
  source <(sed -n '/^find_jdk25()/,/^}/p' mj-tracker)
  jdk=$(find_jdk25) || { echo "test-image: needs a JDK 25 for the local base" >&2; exit 2; }
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  echo "test-image: building $base from Debian bookworm (minbase) and $jdk" >&2
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian > "$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs.log"
  # Where the Temurin images keep theirs, so the image's paths do not depend on which base it was built on.
  mkdir -p "$rootfs/opt/java"
  cp -a "$jdk" "$rootfs/opt/java/openjdk"
  tar -C "$rootfs" -c . | "${podman[@]}" import \
    --change 'ENV JAVA_HOME=/opt/java/openjdk' \
    --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' - "$base" > /dev/null
fi
# One base for both stages here: a JDK is also a runtime. The public build keeps its JDK and JRE images.
build_args=(--build-arg "BUILD_BASE=$base" --build-arg "RUNTIME_BASE=$base")
[ -n "${BASE_IMAGE:-}" ] && build_args=()

echo "test-image: building $image and the simulator's image" >&2
# --format docker keeps HEALTHCHECK (the OCI format has none); --network host lets Maven reach its repository.
for target in worker simulator; do
  tag=$image
  [ "$target" = simulator ] && tag=localhost/mj-tracker-simulator:test
  "${podman[@]}" build --quiet --format docker --network host --volume "$HOME/.m2:/root/.m2" "${build_args[@]}" \
    -f deploy/Dockerfile --target "$target" -t "$tag" . > /dev/null
done
size=$("${podman[@]}" image inspect "$image" --format '{{.Size}}')
echo "test-image: $image built, $((size / 1000000)) MB" >&2

bench/run image "$image"
