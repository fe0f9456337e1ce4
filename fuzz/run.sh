#!/usr/bin/env bash
# Fuzzes one target of fuzz/Tally.Fuzz with afl-fuzz for a bounded time, then replays what it found.
#   fuzz/run.sh TARGET [SECONDS]      TARGET: events, admin-json or report-query; SECONDS: 600 unless told
# Needs Debian's afl++ (apt-get install afl++) and the .NET SDK; installs the SharpFuzz command-line tool itself.
# Work files (the instrumented build, afl-fuzz's queue, crashes and hangs) go to $FUZZ_WORK (/tmp/tally-fuzz).
set -euo pipefail

targets="events admin-json report-query"
target=${1:-}
seconds=${2:-600}
if [[ ! " $targets " == *" $target "* ]] || [[ ! "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: fuzz/run.sh TARGET [SECONDS]   (TARGET: ${targets// /, }; SECONDS: a positive whole number, default 600)" >&2
  exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-/tmp/tally-fuzz}
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is missing: apt-get install afl++" >&2; exit 2; }

# The SharpFuzz command-line tool, pinned to the version of the SharpFuzz package (Directory.Packages.props).
tools=$work/tools
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

# A fresh Release build, then Tally's own assemblies instrumented (the parsers under test; the framework is not).
build=$work/build-$target
rm -rf "$build"
dotnet publish "$here/Tally.Fuzz/Tally.Fuzz.csproj" -c Release -o "$build" --nologo -v quiet
for assembly in Tally.Core.dll Tally.Server.dll; do
  "$tools/sharpfuzz" "$build/$assembly"
done

findings=$work/findings-$target
rm -rf "$findings"
echo "fuzzing '$target' for $seconds s: seeds fuzz/corpus/$target, dictionary fuzz/dictionaries/$target.dict, findings in $findings"
# dotnet itself is not instrumented (SharpFuzz reports coverage from the instrumented assemblies), and reserves far
# more address space than it uses: hence the skipped binary check and no memory limit. Hangs are inputs over 5 s.
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=0 \
  afl-fuzz -V "$seconds" -t 5000 -m none -i "$here/corpus/$target" -o "$findings" -x "$here/dictionaries/$target.dict" \
  -- dotnet "$build/Tally.Fuzz.dll" "$target" > "$findings.log" 2>&1 || { tail -n 40 "$findings.log" >&2; exit 1; }

stats=$findings/default/fuzzer_stats
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
echo "ran $(field run_time) s: $(field execs_done) executions ($(field execs_per_sec)/s), $(field corpus_count) inputs in the queue, edge coverage $(field bitmap_cvg), $(field saved_crashes) crashes, $(field saved_hangs) hangs"

found=$(find "$findings/default/crashes" "$findings/default/hangs" -name 'id:*' -type f | sort)
if [ -z "$found" ]; then
  echo "nothing found"
  exit 0
fi

# Replayed on the uninstrumented build (publish built it in bin/), each with its exception and stack trace.
mapfile -t inputs <<< "$found"
dotnet "$here/Tally.Fuzz/bin/Release/net10.0/Tally.Fuzz.dll" "$target" "${inputs[@]}" || true
echo "Keep each as a regression input: cp FILE fuzz/corpus/$target/crash-WHAT (tests/Tally.Server.Tests replays the corpus)."
exit 1
