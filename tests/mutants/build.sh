#!/bin/sh
# tests/mutants/build.sh NAME PATCH|- OUT.so - one faulty variant of ref/ as
# an implementation under test (include/rtcsim/impl.h).
#
# ref/ and include/ are copied to $BUILD/mutants/NAME/, the patch applied
# there (patch -p1, no fuzz: a patch that no longer fits main's ref/ is an
# error, never a guess), and the copy's sources, the same ones as
# build/libref.a, compiled with -fPIC -fvisibility=hidden and linked into a
# shared object that exports only rtcsim_impl. PATCH "-" builds the control,
# the unmutated copy, the same way. A mutant's file that is byte-identical
# to the control's (and no header differs) reuses the control's object
# (impl.c, which carries the name, excepted):
# the same compiler, flags and input give the same object, and 23 full
# builds would take the two cores minutes.
#
# Environment (the Makefile passes them): BUILD, CC, MUT_CFLAGS (warnings,
# optimisation, the libraries' -I), MUT_LIBS (the libraries' -l).
set -eu
name=$1 patchf=$2 so=$3
: "${BUILD:=build}" "${CC:=cc}" "${MUT_CFLAGS:=}" "${MUT_LIBS:=}"
dir=$BUILD/mutants/$name
ctl=$BUILD/mutants/control

rm -rf "$dir" "$so"
mkdir -p "$dir/obj"
cp -R ref include "$dir/"
if [ "$patchf" != - ]; then
    if ! patch -p1 -s -N -F0 -r - --no-backup-if-mismatch -d "$dir" <"$patchf" >"$dir/patch.log" 2>&1; then
        echo "mutants: $patchf does not apply to ref/:" >&2
        cat "$dir/patch.log" >&2
        exit 1
    fi
    if diff -rq ref "$dir/ref" >/dev/null; then
        echo "mutants: $patchf changes nothing in ref/" >&2
        exit 1
    fi
fi

# Reuse the control's objects only when no header changed.
reuse=no
if [ "$name" != control ] && [ -d "$ctl/obj" ] &&
   ! diff -rq "$ctl/ref" "$dir/ref" 2>/dev/null | grep -q '\.h '; then
    reuse=yes
fi
for src in "$dir"/ref/*.c; do
    base=$(basename "$src" .c)
    obj=$dir/obj/$base.o
    # impl.c names the build (RTC_IMPL_NAME): always its own
    if [ $reuse = yes ] && [ -f "$ctl/obj/$base.o" ] && cmp -s "$src" "$ctl/ref/$base.c" &&
       ! grep -q RTC_IMPL_NAME "$src"; then
        cp "$ctl/obj/$base.o" "$obj"
        continue
    fi
    echo "  CC   $src"
    # shellcheck disable=SC2086  # MUT_CFLAGS is a list of flags
    $CC $MUT_CFLAGS -fPIC -fvisibility=hidden "-DRTC_IMPL_NAME=\"ref+$name\"" \
        -I"$dir/ref" -I"$dir/include" -c -o "$obj" "$src"
done
echo "  LD   $so"
# shellcheck disable=SC2086
$CC -shared -o "$so" "$dir"/obj/*.o $MUT_LIBS
