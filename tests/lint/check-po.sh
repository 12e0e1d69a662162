#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fails, naming the messages, when
#  - a C file marks strings for translation but po/POTFILES misses it;
#  - a msgid is cut at a format macro: in _("line %" G_GINT64_FORMAT ...)
#    xgettext stops at the macro, and the "line %" it extracts never
#    matches at run time (format the number first and pass it as %s);
#  - a catalogue of po/LINGUAS, merged with what the sources say now (as
#    `ninja saldo-update-po` merges it), has an untranslated or a fuzzy
#    message: a new string shows in English, or a guessed one wrongly;
#  - msgfmt --check rejects a catalogue (format specifiers, plural forms).
# Works on copies in WORKDIR; the source tree is left as it is.
#   check-po.sh SOURCE_ROOT WORKDIR XGETTEXT_ARGS...
set -eu
src=$1 work=$2
shift 2
rm -rf "$work"
mkdir -p "$work"
status=0

if ! xgettext --package-name=saldo -f "$src/po/POTFILES" -D "$src" -k_ -o "$work/saldo.pot" "$@" \
    2>"$work/xgettext.log"; then
  cat "$work/xgettext.log" >&2
  exit 1
fi

# A C file that marks strings for translation but is not in POTFILES: its
# strings never reach the catalogue.
sed 's/#.*//; /^ *$/d' "$src/po/POTFILES" | sort >"$work/listed"
(cd "$src" && grep -rlE --include='*.[ch]' '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext) ?\(' cli daemon plugin policy) |
  sort | comm -23 - "$work/listed" >"$work/unlisted"
if [ -s "$work/unlisted" ]; then
  echo "files with translatable strings missing from po/POTFILES:" >&2
  cat "$work/unlisted" >&2
  status=1
fi

# A msgid ending in an unfinished directive: an odd run of % at its end,
# with at most flags and a width after it ("line %", "%-4").
cut=$(awk '
  inid && !/^"/ { inid = 0; if (id ~ /(^|[^%])(%%)*%[-+ #0-9.*]*$/) print where "\n  " what " \"" id "\"" }
  /^#:/ { where = $0 }
  /^msgid(_plural)? "/ { what = $1; id = substr($0, length($1) + 3, length($0) - length($1) - 3); inid = 1; next }
  inid { id = id substr($0, 2, length($0) - 2) }
' "$work/saldo.pot")
if [ -n "$cut" ]; then
  printf 'msgids cut at a format macro (the rest never reaches the catalogue):\n%s\n' "$cut" >&2
  status=1
fi

for lang in $(sed 's/#.*//' "$src/po/LINGUAS"); do
  merged="$work/$lang.po"
  msgmerge --quiet --no-wrap -o "$merged" "$src/po/$lang.po" "$work/saldo.pot"
  if ! msgfmt --check --statistics --output-file=/dev/null "$merged" 2>"$work/$lang.msgfmt"; then
    echo "po/$lang.po: msgfmt --check fails:" >&2
    cat "$work/$lang.msgfmt" >&2
    status=1
  elif grep -q 'fuzzy\|untranslated' "$work/$lang.msgfmt"; then
    printf 'po/%s.po once merged with the sources: %s\n' "$lang" "$(cat "$work/$lang.msgfmt")" >&2
    for kind in untranslated only-fuzzy; do
      msgattrib --no-obsolete "--$kind" "$merged" | sed -n '/^#:/,/^$/p' >&2
    done
    status=1
  fi
done
exit $status
