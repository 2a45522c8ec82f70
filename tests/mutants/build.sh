#!/bin/sh
# tests/mutants/build.sh NAME PATCH OUT.so - one faulty variant of ref/ as
# an implementation under test (include/rtcsim/impl.h).
#
# ref/ and include/ are copied to $BUILD/mutants/NAME/, the patch applied
# there (patch -p1, no fuzz: a patch that no longer fits main's ref/ is an
# error, never a guess), and the copy's sources, the same ones as
# build/libref.a, compiled with -fPIC -fvisibility=hidden and linked into a
# shared object that exports only rtcsim_impl: build/ref.so's recipe (the
# Makefile's $(BUILD)/pic objects), which is the control. A file the patch
# left as it is in ref/ (when no header changed) reuses build/ref.so's
# object (impl.c, which carries the name, excepted): the same compiler,
# flags and source give the same object, and 28 full builds would take
# the two cores minutes.
#
# Environment (the Makefile passes them, as build/ref.so's rules use them):
# BUILD, CC, MUT_CFLAGS (warnings, optimisation), MUT_PKG_CFLAGS (the
# libraries' -I, after ref/'s own, as REF_CFLAGS has them), MUT_LDFLAGS,
# MUT_LIBS (the libraries' -l).
set -eu
name=$1 patchf=$2 so=$3
: "${BUILD:=build}" "${CC:=cc}" "${MUT_CFLAGS:=}" "${MUT_PKG_CFLAGS:=}" "${MUT_LDFLAGS:=}" "${MUT_LIBS:=}"
dir=$BUILD/mutants/$name
pic=$BUILD/pic/ref     # build/ref.so's objects

rm -rf "$dir" "$so"
mkdir -p "$dir/obj"
cp -R ref include "$dir/"
if ! patch -p1 -s -N -F0 -r - --no-backup-if-mismatch -d "$dir" <"$patchf" >"$dir/patch.log" 2>&1; then
    echo "mutants: $patchf does not apply to ref/:" >&2
    cat "$dir/patch.log" >&2
    exit 1
fi
if diff -rq ref "$dir/ref" >/dev/null; then
    echo "mutants: $patchf changes nothing in ref/" >&2
    exit 1
fi

# Reuse build/ref.so's objects only when no header changed.
reuse=no
if [ -d "$pic" ] && ! diff -rq ref "$dir/ref" | grep -q '\.h '; then
    reuse=yes
fi
for src in "$dir"/ref/*.c; do
    base=$(basename "$src" .c)
    obj=$dir/obj/$base.o
    # impl.c names the build (RTC_IMPL_NAME): always its own
    if [ $reuse = yes ] && [ -f "$pic/$base.o" ] && cmp -s "$src" "ref/$base.c" &&
       ! grep -q RTC_IMPL_NAME "$src"; then
        cp "$pic/$base.o" "$obj"
        continue
    fi
    echo "  CC   $src"
    # shellcheck disable=SC2086  # the flags are lists
    $CC $MUT_CFLAGS -I"$dir/include" -I"$dir/ref" $MUT_PKG_CFLAGS -fPIC -fvisibility=hidden \
        "-DRTC_IMPL_NAME=\"ref+$name\"" -c -o "$obj" "$src"
done
echo "  LD   $so"
# shellcheck disable=SC2086
$CC $MUT_LDFLAGS -shared -o "$so" "$dir"/obj/*.o $MUT_LIBS
