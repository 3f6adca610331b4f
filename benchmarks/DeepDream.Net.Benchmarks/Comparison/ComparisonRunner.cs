using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using static DeepDream.Benchmarks.Comparison.OursSide;

namespace DeepDream.Benchmarks.Comparison;

/// <summary>
/// <c>compare [--chroot DIR] [--rounds N] [--large-rounds N] [--skip-large] [--threads N] [--steps N] [--cpu-time] [--out FILE]</c>: DeepDream.Net against
/// plain eager PyTorch 2.6 (benchmarks/pytorch/dream.py in the trixie chroot) on the same weights and sizes, ours and
/// theirs alternating in one run, and a ratio table written to benchmarks/results/pytorch-comparison.md.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Roofline: one large 3×3 convolution (256→256 channels at 68×120, layer3's size at 1920×1080), forward + input
/// gradient, channels-last, float32 and bfloat16, in TorchSharp and in PyTorch; the better of the two per type.</item>
/// <item>Reference workload (chelsea 451×300, layer3, 6 octaves × 1.4, 20 steps, jitter 32): every variant dreams once
/// to warm up, then <c>--rounds</c> rounds each run every variant once, ours and theirs alternating, the order rotated
/// every round. Models stay loaded (one process per side); only the dream is timed.</item>
/// <item>1920×1080 (the reference photo enlarged), defaults: each run in a fresh process (no warm-up), for time and
/// peak resident memory, ours and theirs alternating.</item>
/// </list>
/// Ratios are medians of per-round ratios (each round's runs were close in time, so slow drifts of the load cancel).
/// <c>--cpu-time</c> takes the ratios from CPU seconds instead of wall seconds: with <c>--threads 1</c> on a machine that
/// other work keeps busy, CPU time measures the work done and ignores the time slices lost to others (a development aid;
/// the published table uses wall time on an otherwise quiet machine).
/// </remarks>
internal static class ComparisonRunner
{
    private sealed record Variant(string Name, bool Ours, string Source, Precision Precision, string PyTorchVariant);

    private static readonly Variant[] s_reference =
    [
        new("DeepDream.Net, embedded ResNet18, fp32", true, "embedded", Precision.Float32, ""),
        new("PyTorch 2.6, NCHW fp32", false, "", Precision.Float32, "nchw"),
        new("DeepDream.Net, TorchVision resnet18, fp32", true, "torchvision", Precision.Float32, ""),
        new("PyTorch 2.6, channels-last fp32", false, "", Precision.Float32, "cl"),
        new("DeepDream.Net, embedded ResNet18, bf16", true, "embedded", Precision.BFloat16, ""),
        new("PyTorch 2.6, channels-last bf16", false, "", Precision.BFloat16, "bf16"),
        new("DeepDream.Net, TorchVision resnet18, bf16", true, "torchvision", Precision.BFloat16, ""),
        new("PyTorch 2.6, NCHW bf16", false, "", Precision.BFloat16, "bf16-nchw"),
    ];

    private static readonly Variant[] s_large =
    [
        new("DeepDream.Net, embedded ResNet18, fp32", true, "embedded", Precision.Float32, ""),
        new("PyTorch 2.6, channels-last fp32", false, "", Precision.Float32, "cl"),
        new("DeepDream.Net, embedded ResNet18, bf16", true, "embedded", Precision.BFloat16, ""),
        new("PyTorch 2.6, NCHW fp32", false, "", Precision.Float32, "nchw"),
        new("PyTorch 2.6, channels-last bf16", false, "", Precision.BFloat16, "bf16"),
    ];

    public static int Run(string[] args)
    {
        var chroot = Option(args, "--chroot") ?? "/work/chroots/trixie";
        var rounds = int.Parse(Option(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        var largeRounds = args.Contains("--skip-large") ? 0 : int.Parse(Option(args, "--large-rounds") ?? "1", CultureInfo.InvariantCulture);
        var output = Option(args, "--out") ?? Path.Combine(Results.RepoRoot(), "benchmarks", "results", "pytorch-comparison.md");
        var total = Stopwatch.StartNew();

        var threads = Option(args, "--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : (int?)null;
        if (threads is { } n) TorchSharp.torch.set_num_threads(n);
        var setup = new ComparisonSetup(chroot) { Threads = threads, Steps = int.Parse(Option(args, "--steps") ?? "20", CultureInfo.InvariantCulture) };
        setup.Prepare();
        var report = new Report();
        report.Load("start");

        using var theirs = PyTorchWorker.Start(setup);
        using var ours = new OursSide(setup);

        // Roofline.
        long[] convShape = [1, 256, 68, 120];
        Console.WriteLine("roofline ...");
        // PyTorch first: its first answer also waits until the worker has imported torch and loaded its models, which
        // would otherwise run on the same cores while ours is timed (that once showed TorchSharp's fp32 at 142 GFLOP/s
        // instead of ~226). Two alternating rounds, the best of each side.
        double oursFp32 = 0, oursBf16 = 0, theirFp32 = 0, theirBf16 = 0;
        for (var round = 0; round < 2; round++)
        {
            var theirRoof = theirs.Ask(new JsonObject { ["mode"] = "conv", ["shape"] = new JsonArray(1, 256, 68, 120), ["reps"] = 10 });
            theirFp32 = Math.Max(theirFp32, PyTorchWorker.Number(theirRoof, "fp32"));
            theirBf16 = Math.Max(theirBf16, PyTorchWorker.Number(theirRoof, "bf16"));
            var (fp32, bf16) = Roofline(convShape, reps: 10);
            oursFp32 = Math.Max(oursFp32, fp32);
            oursBf16 = Math.Max(oursBf16, bf16);
        }
        var roof = new Dictionary<Precision, double>
        {
            [Precision.Float32] = Math.Max(oursFp32, theirFp32),
            [Precision.BFloat16] = Math.Max(oursBf16, theirBf16),
        };
        report.Roofline(convShape, oursFp32, oursBf16, theirFp32, theirBf16, roof);
        report.Load("after the roofline");

        // Reference workload.
        using var picture = setup.Load(ComparisonSetup.ReferenceImage);
        var referenceFlops = WorkloadFlops(picture.Width, picture.Height) * setup.Steps / DreamSettings.DefaultStepsPerOctave;
        var cpuTime = args.Contains("--cpu-time");
        double RunOne(Variant v)
        {
            if (v.Ours)
            {
                var (seconds, cpu) = ours.Dream(v.Source, v.Precision, picture, Workload.Seed, setup.Steps);
                return cpuTime ? cpu : seconds;
            }
            var reply = theirs.Ask(PyTorchWorker.DreamRequest(v.PyTorchVariant, setup.InChroot(ComparisonSetup.ReferenceImage), Workload.Seed, setup.Steps));
            return PyTorchWorker.Number(reply, cpuTime ? "cpu_seconds" : "seconds");
        }
        foreach (var v in s_reference)
        {
            Console.WriteLine($"warm-up: {v.Name}: {F(RunOne(v), "F2")} s");
        }
        var times = s_reference.ToDictionary(v => v, _ => new List<double>());
        for (var r = 0; r < rounds; r++)
        {
            for (var k = 0; k < s_reference.Length; k++)
            {
                var v = s_reference[(k + 2 * r) % s_reference.Length]; // rotate by an (ours, theirs) pair each round
                var seconds = RunOne(v);
                times[v].Add(seconds);
                Console.WriteLine($"round {r + 1}/{rounds}: {v.Name}: {F(seconds, "F2")} s (load {Results.LoadAverage()})");
            }
        }
        report.Load("after the reference rounds");
        report.Reference(picture.Width, picture.Height, rounds, setup.Steps, cpuTime, referenceFlops, roof, s_reference.Select(v => (v.Name, v.Ours, v.Source, v.Precision, v.PyTorchVariant, times[v])).ToList());

        // 1920×1080, fresh processes.
        if (largeRounds > 0)
        {
            var largeFlops = WorkloadFlops(1920, 1080);
            var large = s_large.ToDictionary(v => v, _ => new List<(double Seconds, double Rss)>());
            for (var r = 0; r < largeRounds; r++)
            {
                foreach (var v in s_large)
                {
                    var reply = v.Ours
                        ? RunOursOnce(v.Source, v.Precision, setup.OnHost(ComparisonSetup.LargeImage), setup.Threads)
                        : PyTorchWorker.RunOnce(setup, v.PyTorchVariant, ComparisonSetup.LargeImage);
                    var result = (PyTorchWorker.Number(reply, "seconds"), PyTorchWorker.Number(reply, "peak_rss_mib"));
                    large[v].Add(result);
                    Console.WriteLine($"1920×1080 {r + 1}/{largeRounds}: {v.Name}: {F(result.Item1, "F1")} s, peak {F(result.Item2, "F0")} MiB (load {Results.LoadAverage()})");
                }
            }
            report.Load("after the 1920×1080 runs");
            report.Large(largeFlops, roof, s_large.Select(v => (v.Name, v.Ours, v.Precision, v.PyTorchVariant, large[v])).ToList());
        }

        report.Finish(total.Elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output, report.ToString());
        Console.WriteLine(report.ToString());
        Console.WriteLine($"written to {output}");
        return 0;
    }

    private static JsonObject RunOursOnce(string source, Precision precision, string image, int? threads)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "DeepDream.Net.Benchmarks"))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "compare-once", source, precision == Precision.BFloat16 ? "bf16" : "fp32", image }) info.ArgumentList.Add(a);
        if (threads is { } n) info.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the benchmark binary");
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"compare-once {source} failed with exit code {process.ExitCode}");
        return JsonNode.Parse(text.Trim().Split('\n')[^1])!.AsObject();
    }

    /// <summary>Convolution FLOPs (forward + input gradient) of a whole default dream of an image of this size.</summary>
    private static double WorkloadFlops(int width, int height)
    {
        using var model = DreamModels.ResNet18();
        return ConvShapes.PyramidStepFlops(Workload.OctaveSizes(model, width, height)) * DreamSettings.DefaultStepsPerOctave;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The markdown report.</summary>
    private sealed class Report
    {
        private readonly StringBuilder _text = new();
        private readonly List<string> _loads = [];
        private readonly List<string> _checks = [];

        public Report()
        {
            _text.AppendLine("# DeepDream.Net against plain eager PyTorch 2.6");
            _text.AppendLine();
            _text.AppendLine(CultureInfo.InvariantCulture, $"Written by `benchmarks/pytorch/run-comparison.sh` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.");
            _text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {CpuModel()}, {Environment.ProcessorCount} logical cores, bfloat16 in hardware: {(Performance.PrecisionSupport.IsNative(Precision.BFloat16, TorchSharp.torch.CPU) ? "yes" : "no")}; threads on both sides: {TorchSharp.torch.get_num_threads()}.");
            _text.AppendLine("Yardstick: Debian trixie's python3-torch 2.6 (oneDNN 3.7) with OpenBLAS (pthread), OPENBLAS_NUM_THREADS=1, in a chroot (benchmarks/pytorch/setup-chroot.sh); the same weights on both sides (the embedded ONNX model converted by onnx_to_torch.py).");
            _text.AppendLine();
        }

        public void Load(string when) => _loads.Add($"{when}: {Results.LoadAverage()}");

        public void Roofline(long[] shape, double oursFp32, double oursBf16, double theirsFp32, double theirsBf16, Dictionary<Precision, double> roof)
        {
            _text.AppendLine(CultureInfo.InvariantCulture, $"## Roofline: one 3×3 convolution, forward + input gradient, [{string.Join('×', shape)}] → 256 channels, channels-last (best of 10)");
            _text.AppendLine();
            _text.AppendLine("| type | TorchSharp (libtorch of TorchSharp 0.107) | PyTorch 2.6 | roofline (the better) |");
            _text.AppendLine("|---|---:|---:|---:|");
            _text.AppendLine(CultureInfo.InvariantCulture, $"| fp32 | {F(oursFp32, "F0")} GFLOP/s | {F(theirsFp32, "F0")} GFLOP/s | **{F(roof[Precision.Float32], "F0")} GFLOP/s** |");
            _text.AppendLine(CultureInfo.InvariantCulture, $"| bf16 | {F(oursBf16, "F0")} GFLOP/s | {F(theirsBf16, "F0")} GFLOP/s | **{F(roof[Precision.BFloat16], "F0")} GFLOP/s** |");
            _text.AppendLine();
        }

        public void Reference(int width, int height, int rounds, int steps, bool cpuTime, double flops, Dictionary<Precision, double> roof,
            List<(string Name, bool Ours, string Source, Precision Precision, string PyTorchVariant, List<double> Times)> rows)
        {
            List<double> Times(string pyTorchVariant) => rows.First(r => r.PyTorchVariant == pyTorchVariant).Times;
            var bestFp32 = PerRoundMin(Times("nchw"), Times("cl"));
            var bestBf16 = PerRoundMin(Times("bf16"), Times("bf16-nchw"));
            _text.AppendLine(CultureInfo.InvariantCulture,
                $"## Reference workload: chelsea {width}×{height}, layer3, 6 octaves × 1.4, {steps} steps, jitter 32 ({F(flops / 1e9, "F0")} GFLOP of convolution), median of {rounds} alternating rounds{(cpuTime ? ", CPU seconds" : "")}");
            _text.AppendLine();
            _text.AppendLine("| run | seconds (median) | min – max | GFLOP/s | of roofline | vs PyTorch best fp32 | vs PyTorch best bf16 | vs our fp32 |");
            _text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                var median = Median(row.Times);
                var gflops = flops / median / 1e9;
                string vsFp32 = "", vsBf16 = "", vsOurs = "";
                if (row.Ours && row.Precision == Precision.Float32)
                {
                    var ratio = MedianRatio(row.Times, bestFp32);
                    vsFp32 = $"**{F(ratio, "F2")}**";
                    _checks.Add($"fp32 {row.Source}: {F(ratio, "F2")}× PyTorch's best fp32 (target ≤ 0.80): {(ratio <= 0.8 ? "met" : "NOT met")}");
                }
                if (row.Ours && row.Precision == Precision.BFloat16)
                {
                    var ratio = MedianRatio(row.Times, bestBf16);
                    var own = MedianRatio(row.Times, rows.First(r => r.Ours && r.Source == row.Source && r.Precision == Precision.Float32).Times);
                    vsFp32 = F(MedianRatio(row.Times, bestFp32), "F2");
                    vsBf16 = $"**{F(ratio, "F2")}**";
                    vsOurs = $"**{F(own, "F2")}**";
                    _checks.Add($"bf16 {row.Source}: {F(own, "F2")}× our fp32 (target ≤ 0.55): {(own <= 0.55 ? "met" : "NOT met")}; {F(ratio, "F2")}× PyTorch's best bf16 (target ≤ 0.80): {(ratio <= 0.8 ? "met" : "NOT met")}");
                }
                _text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {row.Name} | {F(median, "F2")} | {F(row.Times.Min(), "F2")} – {F(row.Times.Max(), "F2")} | {F(gflops, "F0")} | {F(gflops / roof[row.Precision], "P0")} | {vsFp32} | {vsBf16} | {vsOurs} |");
            }
            _text.AppendLine();
            _text.AppendLine("Ratios are medians of per-round ratios; \"PyTorch best\" is the faster of its two memory formats in that round.");
            _text.AppendLine();
        }

        public void Large(double flops, Dictionary<Precision, double> roof,
            List<(string Name, bool Ours, Precision Precision, string PyTorchVariant, List<(double Seconds, double Rss)> Runs)> rows)
        {
            var bestFp32 = PerRoundMin(
                rows.First(r => r.PyTorchVariant == "nchw").Runs.Select(x => x.Seconds).ToList(),
                rows.First(r => r.PyTorchVariant == "cl").Runs.Select(x => x.Seconds).ToList());
            var bf16 = rows.First(r => r.PyTorchVariant == "bf16").Runs.Select(x => x.Seconds).ToList();
            _text.AppendLine(CultureInfo.InvariantCulture,
                $"## 1920×1080 at the defaults ({F(flops / 1e9, "F0")} GFLOP of convolution), each run a fresh process (no warm-up), {rows[0].Runs.Count} round(s)");
            _text.AppendLine();
            _text.AppendLine("| run | seconds | peak RSS | GFLOP/s | of roofline | vs PyTorch best fp32 | vs PyTorch bf16 |");
            _text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var row in rows)
            {
                var seconds = row.Runs.Select(x => x.Seconds).ToList();
                var median = Median(seconds);
                var gflops = flops / median / 1e9;
                string vsFp32 = "", vsBf16 = "";
                if (row.Ours)
                {
                    var ratio = MedianRatio(seconds, bestFp32);
                    vsFp32 = row.Precision == Precision.Float32 ? $"**{F(ratio, "F2")}**" : F(ratio, "F2");
                    if (row.Precision == Precision.Float32)
                        _checks.Add($"1920×1080 fp32: {F(ratio, "F2")}× PyTorch's best fp32 (target ≤ 0.80): {(ratio <= 0.8 ? "met" : "NOT met")}");
                    if (row.Precision == Precision.BFloat16) vsBf16 = F(MedianRatio(seconds, bf16), "F2");
                }
                _text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {row.Name} | {F(median, "F1")} | {F(Median(row.Runs.Select(x => x.Rss).ToList()), "F0")} MiB | {F(gflops, "F0")} | {F(gflops / roof[row.Precision], "P0")} | {vsFp32} | {vsBf16} |");
            }
            _text.AppendLine();
        }

        public void Finish(TimeSpan elapsed)
        {
            _text.AppendLine("## Targets (issue 14)");
            _text.AppendLine();
            foreach (var check in _checks) _text.AppendLine("- " + check);
            _text.AppendLine();
            _text.AppendLine("## Load average (1, 5, 15 min) during the run");
            _text.AppendLine();
            _text.AppendLine(CultureInfo.InvariantCulture, $"Our own run keeps about 2 runnable threads; more means other work shared the cores. Run time {F(elapsed.TotalMinutes, "F1")} min.");
            _text.AppendLine();
            foreach (var load in _loads) _text.AppendLine("- " + load);
        }

        public override string ToString() => _text.ToString();

        /// <summary>The CPU as lscpu names it, with its family and model numbers and its AVX-512/bfloat16 flags.</summary>
        private static string CpuModel()
        {
            const string path = "/proc/cpuinfo";
            if (!File.Exists(path)) return "unknown CPU";
            var lines = File.ReadLines(path).TakeWhile(l => l.Length > 0).ToList(); // the first processor's block
            string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
                ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() : "?";
            var flags = Field("flags").Split(' ');
            var wanted = new[] { "avx512f", "avx512_bf16", "amx_bf16" }.Where(flags.Contains);
            return $"{Field("model name")} (CPU family {Field("cpu family")}, model {Field("model")}; {string.Join(", ", wanted)})";
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static List<double> PerRoundMin(List<double> a, List<double> b) => a.Zip(b, Math.Min).ToList();

    private static double MedianRatio(List<double> mine, List<double> theirs) => Median(mine.Zip(theirs, (m, t) => m / t).ToList());
}
