using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace DeepDream.Benchmarks;

/// <summary>
/// The suite's configuration: one short in-process job (1 warm-up, 5 measured iterations of one invocation each — the
/// workloads take from tens of milliseconds to seconds, so the timer is never the limit), the memory diagnoser, GitHub
/// markdown export and the GFLOP/s and efficiency columns. In-process keeps the GLIBCXX-patched native shim of this
/// build and avoids a rebuild per benchmark on a 2-core machine.
/// </summary>
internal static class BenchConfig
{
    public static ManualConfig Create(bool smoke)
    {
        var job = smoke
            ? Job.Dry.WithStrategy(RunStrategy.ColdStart).WithLaunchCount(1).WithWarmupCount(0).WithIterationCount(1)
            : Job.Default.WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5);
        job = job.WithInvocationCount(1).WithUnrollFactor(1).WithToolchain(InProcessEmitToolchain.Instance).WithId(smoke ? "Smoke" : "Short");

        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(new WorkColumn(), new GflopsColumn(), new EfficiencyColumn())
            .AddExporter(MarkdownExporter.GitHub)
            .AddLogger(ConsoleLogger.Default)
            .AddAnalyser([.. DefaultConfig.Instance.GetAnalysers()])
            .AddValidator([.. DefaultConfig.Instance.GetValidators()])
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond))
            .WithArtifactsPath(Path.Combine(Results.RepoRoot(), "benchmarks", smoke ? "BenchmarkDotNet.Artifacts/smoke" : "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile);
        return config;
    }
}

/// <summary>Looks up the work of a benchmark case: its class's <c>public static double? WorkFlops(string method, IReadOnlyDictionary&lt;string, object&gt; parameters)</c>.</summary>
internal static class FlopCounts
{
    private static readonly Dictionary<string, double?> Cache = [];

    public static double? For(BenchmarkCase benchmark)
    {
        var key = benchmark.DisplayInfo;
        lock (Cache)
        {
            if (Cache.TryGetValue(key, out var cached)) return cached;
            var method = benchmark.Descriptor.Type.GetMethod("WorkFlops", BindingFlags.Public | BindingFlags.Static);
            var parameters = benchmark.Parameters.Items.ToDictionary(p => p.Name, p => p.Value);
            var flops = (double?)method?.Invoke(null, [benchmark.Descriptor.WorkloadMethod.Name, parameters]);
            Cache[key] = flops;
            return flops;
        }
    }

    /// <summary>GFLOP/s of a case (per operation), or null.</summary>
    public static double? Gflops(Summary summary, BenchmarkCase benchmark)
    {
        var flops = For(benchmark);
        var mean = summary[benchmark]?.ResultStatistics?.Mean;
        return flops is { } f && mean is { } ns && ns > 0 ? f / ns : null;
    }

    /// <summary>The raw-convolution case that does the same work as <paramref name="benchmark"/> in the same summary, if any.</summary>
    public static BenchmarkCase? BaselineOf(Summary summary, BenchmarkCase benchmark) =>
        summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Type == benchmark.Descriptor.Type
            && c.Descriptor.WorkloadMethod.Name == "RawConvolutions" && c.Parameters.ValueInfo == benchmark.Parameters.ValueInfo);
}

internal abstract class CustomColumn(string id, string name, string legend) : IColumn
{
    public string Id => id;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
    public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style);
}

internal sealed class WorkColumn() : CustomColumn("Work", "GFLOP", "Convolution work per operation: forward + input-gradient multiply-adds × 2, in 10^9 FLOP")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        FlopCounts.For(benchmarkCase) is { } f ? (f / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "-";
}

internal sealed class GflopsColumn() : CustomColumn("Gflops", "GFLOP/s", "Convolution work per operation divided by the mean time")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        FlopCounts.Gflops(summary, benchmarkCase) is { } g ? g.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "-";
}

internal sealed class EfficiencyColumn() : CustomColumn("Efficiency", "Efficiency", "GFLOP/s as a share of the raw TorchSharp convolutions' GFLOP/s (RawConvolutions) measured in the same run")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var baseline = FlopCounts.BaselineOf(summary, benchmarkCase);
        if (baseline is null) return "-";
        var mine = FlopCounts.Gflops(summary, benchmarkCase);
        var raw = FlopCounts.Gflops(summary, baseline);
        return mine is { } m && raw is { } r && r > 0 ? (m / r).ToString("P0", System.Globalization.CultureInfo.InvariantCulture) : "-";
    }
}
