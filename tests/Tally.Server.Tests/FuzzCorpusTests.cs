using Tally.Fuzz;

namespace Tally.Server.Tests;

/// <summary>
/// Every input of the fuzzing corpus (fuzz/corpus/TARGET/: the hand-made seeds and every crash the fuzzer found) run
/// through its fuzz target, the same entry point afl-fuzz drives: each must give a clean result or a documented
/// refusal (a 4xx with its JSON body), never another exception.
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string CorpusRoot = FindCorpus();

    public static TheoryData<string, string> Inputs()
    {
        var inputs = new TheoryData<string, string>();
        foreach (var folder in Directory.EnumerateDirectories(CorpusRoot).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                inputs.Add(Path.GetFileName(folder), Path.GetFileName(file));
            }
        }

        return inputs;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_corpus_input_gives_a_clean_result_or_a_documented_refusal(string target, string input)
    {
        FuzzTargets.All.ShouldContainKey(target, $"fuzz/corpus/{target} names no fuzz target");

        // Throws (and so fails) on anything but a clean result or a documented refusal.
        FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(CorpusRoot, target, input)));
    }

    [Fact]
    public void Every_fuzz_target_has_a_seed_corpus()
    {
        foreach (var target in FuzzTargets.All.Keys)
        {
            var folder = Path.Combine(CorpusRoot, target);
            Directory.Exists(folder).ShouldBeTrue($"no corpus for the fuzz target {target}");
            Directory.EnumerateFiles(folder).Count().ShouldBeGreaterThanOrEqualTo(10, $"fuzz/corpus/{target}");
        }
    }

    private static string FindCorpus()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Tally.slnx")))
        {
            root = root.Parent;
        }

        return Path.Combine(root?.FullName ?? throw new InvalidOperationException("Tally.slnx not found above the tests."), "fuzz", "corpus");
    }
}
