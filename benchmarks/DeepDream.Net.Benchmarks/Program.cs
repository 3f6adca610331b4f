using BenchmarkDotNet.Running;

namespace DeepDream.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release -- --filter '*'</c> runs the BenchmarkDotNet suite (any BenchmarkDotNet argument
/// works; add <c>--smoke</c> for a one-iteration check with 2 steps per octave). Console modes, each in a fresh process:
/// <c>peak-memory reference|SIDE [--octaves N] [--steps N]</c> and <c>profile</c>, <c>shapes</c> (the convolutions and FLOP counts of the reference workload),
/// <c>sequences</c> (zoom and video frames per second and the share not dreaming), <c>coherence</c> (flicker of dreamed video),
/// <c>compare</c> (against PyTorch 2.6, see benchmarks/pytorch/README.md).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "peak-memory") return PeakMemory.Run(args[1..]);
        if (args.Length > 0 && args[0] == "profile") return Profiler.Run(args[1..]);
        if (args.Length > 0 && args[0] == "shapes") return Profiler.Shapes();
        if (args.Length > 0 && args[0] == "convs") return Profiler.Convs(args[1..]);
        if (args.Length > 0 && args[0] == "repeat") return Profiler.Repeat(args[1..]);
        if (args.Length > 0 && args[0] == "sequences") return SequenceBenchmark.Run(args[1..]);
        if (args.Length > 0 && args[0] == "coherence") return CoherenceBenchmark.Run(args[1..]);
        if (args.Length > 0 && args[0] == "compare") return Comparison.ComparisonRunner.Run(args[1..]);
        if (args.Length > 0 && args[0] == "compare-once") return Comparison.OursSide.RunOnce(args[1..]);

        var smoke = args.Contains("--smoke");
        args = [.. args.Where(a => a != "--smoke")];
        if (smoke) Workload.StepsPerOctave = 2;
        var config = BenchConfig.Create(smoke);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToList();
        if (!smoke && summaries.Count > 0) Results.Publish(summaries, config.ArtifactsPath);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
