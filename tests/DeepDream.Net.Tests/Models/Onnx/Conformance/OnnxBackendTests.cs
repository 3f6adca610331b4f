namespace DeepDream.Tests.Models.Onnx.Conformance;

/// <summary>
/// ONNX's own backend test cases for every operator DeepDream.Net supports (vendored from ONNX 1.12.0 under
/// TestData/onnx-backend, see its README). Every case passes except those listed, each with its reason, in
/// TestData/onnx-backend/expected-failures.txt; a listed case must really fail, so the list cannot go stale.
/// </summary>
public sealed class OnnxBackendTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "TestData", "onnx-backend");

    public static TheoryData<string> Cases() => [.. CaseNames()];

    private static IEnumerable<string> CaseNames() =>
        from suite in Directory.GetDirectories(Root).Order(StringComparer.Ordinal)
        from folder in Directory.GetDirectories(suite).Order(StringComparer.Ordinal)
        select $"{Path.GetFileName(suite)}/{Path.GetFileName(folder)}";

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_MatchesOnnxReferenceOutputs_UnlessListedAsExpectedFailure(string name)
    {
        var problem = Outcome(name);
        if (ExpectedFailures.TryGetValue(name, out var reason))
            Assert.True(problem is not null, $"{name} is listed as an expected failure ({reason}) but passes now: remove it from expected-failures.txt");
        else
            Assert.True(problem is null, $"{name}: {problem}");
    }

    [Fact]
    public void ExpectedFailures_NameOnlyVendoredCasesAndGiveAReason()
    {
        var cases = CaseNames().ToHashSet(StringComparer.Ordinal);
        Assert.True(cases.Count > 500, $"only {cases.Count} vendored cases found under {Root}");
        foreach (var (name, reason) in ExpectedFailures)
        {
            Assert.Contains(name, cases);
            Assert.False(string.IsNullOrWhiteSpace(reason), $"{name} has no reason");
        }
    }

    /// <summary>Null when the case passes, else why not (a mismatch or the importer's error).</summary>
    private static string? Outcome(string name)
    {
        try
        {
            return OnnxBackendCase.Check(Path.Combine(Root, name));
        }
#pragma warning disable CA1031 // Any failure of the importer on the case is the outcome being tested.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>
    /// The one list of cases that are expected not to pass: <c>suite/case  reason</c> per line, '#' starts a comment.
    /// </summary>
    private static readonly Dictionary<string, string> ExpectedFailures = File.ReadAllLines(Path.Combine(Root, "expected-failures.txt"))
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries))
        .ToDictionary(p => p[0], p => p.Length > 1 ? p[1].Trim() : "", StringComparer.Ordinal);
}
