using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace DeepDream.Benchmarks;

/// <summary>Copies the GitHub-markdown reports into benchmarks/results and writes the throughput summary next to them.</summary>
internal static class Results
{
    /// <summary>The repository root (the folder with DeepDream.Net.sln), searched upwards from the working directory and the binary.</summary>
    public static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DeepDream.Net.sln"))) return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }

    /// <summary>The 1/5/15-minute load averages (Linux), or "n/a".</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static void Publish(IReadOnlyList<Summary> summaries, string artifactsPath)
    {
        var target = Path.Combine(RepoRoot(), "benchmarks", "results");
        Directory.CreateDirectory(target);
        var source = Path.Combine(artifactsPath, "results");
        if (Directory.Exists(source))
        {
            foreach (var file in Directory.GetFiles(source, "*-report-github.md"))
            {
                // DeepDream.Benchmarks.StepBenchmarks-report-github.md -> StepBenchmarks.md
                var name = Path.GetFileName(file).Replace("DeepDream.Benchmarks.", "", StringComparison.Ordinal).Replace("-report-github", "", StringComparison.Ordinal);
                File.Copy(file, Path.Combine(target, name), overwrite: true);
            }
        }

        var text = new StringBuilder();
        foreach (var summary in summaries)
        {
            foreach (var benchmark in summary.BenchmarksCases)
            {
                var baseline = FlopCounts.BaselineOf(summary, benchmark);
                if (baseline is null || ReferenceEquals(baseline, benchmark)) continue;
                var mine = FlopCounts.Gflops(summary, benchmark);
                var raw = FlopCounts.Gflops(summary, baseline);
                var mean = summary[benchmark]?.ResultStatistics?.Mean;
                if (mine is null || raw is null || mean is null) continue;
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {benchmark.Descriptor.WorkloadMethodDisplayInfo} {benchmark.Parameters.DisplayInfo} | {mean / 1e6:F0} ms | {mine:F0} GFLOP/s | {raw:F0} GFLOP/s | {mine / raw:P0} |");
            }
        }
        if (text.Length == 0) return;
        var header = new StringBuilder();
        header.AppendLine(CultureInfo.InvariantCulture, $"Efficiency summary, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average at the end: {LoadAverage()}");
        header.AppendLine();
        header.AppendLine("```");
        foreach (var line in summaries[0].HostEnvironmentInfo.ToFormattedString()) header.AppendLine(line);
        header.AppendLine("```");
        header.AppendLine();
        header.AppendLine("| Benchmark | Mean | Dream GFLOP/s | Raw conv GFLOP/s | Efficiency |");
        header.AppendLine("|---|---:|---:|---:|---:|");
        File.WriteAllText(Path.Combine(target, "efficiency.md"), header.ToString() + text);
        Console.WriteLine(header.ToString() + text);
    }
}
