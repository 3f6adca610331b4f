using System.Diagnostics;
using System.Globalization;
using DeepDream.Imaging;
using DeepDream.Objectives;
using DeepDream.Regularizers;
using DeepDream.Schedules;
using DeepDream.Tiling;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Benchmarks;

/// <summary>
/// <c>profile [--reps N] [--threads N]</c>: where the time of the reference workload goes, per octave size: raw
/// convolutions (forward + input gradient), the model's forward alone, the gradient (forward + autograd.grad), and the
/// step's other work (roll, step rule, roll back, add/clamp); then one full dream with the library's per-octave timing.
/// A quick diagnostic, not a BenchmarkDotNet measurement (median of N repetitions after one warm-up).
/// </summary>
internal static class Profiler
{
    public static int Run(string[] args)
    {
        var reps = ConsoleModes.Option(args, "--reps") ?? 10;
        if (ConsoleModes.Option(args, "--threads") is { } threads) torch.set_num_threads(threads);
        Console.WriteLine($"threads: {torch.get_num_threads()}, reps: {reps}");

        using var model = DreamModels.ResNet18();
        using var evaluator = Objective.L2(Workload.Layer).Bind(model);
        var gradients = new GradientComputer(model, evaluator, [Workload.Layer], tileSize: 4096);
        using var picture = Workload.LoadImage();
        using var full = ImageTensor.ToTensor(picture);
        var sizes = Workload.OctaveSizes(model, picture.Width, picture.Height);
        var jitter = new JitterRegularizer();
        var rule = new MeanGradientStepRule();
        var random = new Random(1);

        Console.WriteLine("| octave | GFLOP (fwd+grad) | raw conv | forward (no grad) | gradient (fwd+grad) | step other work | raw/gradient |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        double totalRaw = 0, totalGrad = 0, totalOther = 0;
        foreach (var size in sizes)
        {
            using var scope = NewDisposeScope();
            var x = DreamLoop.Resize(full, size).contiguous();
            using var raw = new ConvBaseline(ConvShapes.Of(model, size.Height, size.Width));
            var tRaw = ConsoleModes.Median(reps, raw.Run);
            var tForward = ConsoleModes.Median(reps, () =>
            {
                using var s = NewDisposeScope();
                using var noGrad = no_grad();
                _ = model.Extract(x, [Workload.Layer]);
            });
            var tGrad = ConsoleModes.Median(reps, () =>
            {
                using var s = NewDisposeScope();
                _ = gradients.Compute(x, wantValue: false);
            });
            using var g = gradients.Compute(x, wantValue: false).Gradient.detach();
            var tOther = ConsoleModes.Median(reps, () =>
            {
                using var s = NewDisposeScope();
                using var noGrad = no_grad();
                var t = jitter.Sample(random);
                _ = t.Apply(x);
                var update = t.Invert(rule.Update(g));
                x.add_(update).clamp_(0, 1);
            });
            var gflop = raw.Flops / 1e9;
            totalRaw += tRaw;
            totalGrad += tGrad;
            totalOther += tOther;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {size} | {gflop:F2} | {tRaw:F1} ms | {tForward:F1} ms | {tGrad:F1} ms | {tOther:F2} ms | {tRaw / tGrad:P0} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| pyramid step | {ConvShapes.PyramidStepFlops(sizes) / 1e9:F2} | {totalRaw:F1} ms | | {totalGrad:F1} ms | {totalOther:F2} ms | {totalRaw / totalGrad:P0} |"));

        using var dreamer = Workload.CreateDreamer(model);
        var clock = Stopwatch.StartNew();
        using var result = dreamer.Dream(picture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"full dream: {clock.Elapsed.TotalSeconds:F2} s (20 × pyramid step of gradients alone: {20 * totalGrad / 1000:F2} s)"));
        foreach (var o in result.Octaves)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  octave {o.Index} {o.Size}: {o.Elapsed.TotalMilliseconds:F0} ms ({o.Elapsed.TotalMilliseconds / dreamer.Settings.StepsPerOctave:F1} ms/step)"));
        return 0;
    }

    /// <summary><c>repeat [N]</c>: the reference dream N times with one reused dreamer, then N times with a fresh model each, printing each wall time and the load average.</summary>
    public static int Repeat(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        using var picture = Workload.LoadImage();
        using (var model = DreamModels.ResNet18())
        using (var dreamer = Workload.CreateDreamer(model))
        {
            for (var i = 0; i < n; i++)
            {
                var clock = Stopwatch.StartNew();
                using var output = dreamer.Run(picture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reused dreamer run {i + 1}: {clock.Elapsed.TotalSeconds:F2} s (load {Results.LoadAverage()})"));
            }
        }
        for (var i = 0; i < n; i++)
        {
            var clock = Stopwatch.StartNew();
            using var model = DreamModels.ResNet18();
            using var dreamer = Workload.CreateDreamer(model);
            using var output = dreamer.Run(picture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fresh model run {i + 1}: {clock.Elapsed.TotalSeconds:F2} s (load {Results.LoadAverage()})"));
        }
        return 0;
    }

    /// <summary>
    /// <c>convs [--reps N] [--threads N]</c>: every convolution of the reference workload at the full-size and smallest
    /// octave on its own, forward and forward + input gradient, NCHW and channels-last float32 and channels-last bfloat16:
    /// which shapes run far below the large-convolution roofline.
    /// </summary>
    public static int Convs(string[] args)
    {
        var reps = ConsoleModes.Option(args, "--reps") ?? 5;
        if (ConsoleModes.Option(args, "--threads") is { } threads) torch.set_num_threads(threads);
        using var model = DreamModels.ResNet18();
        var info = SixLabors.ImageSharp.Image.Identify(Workload.ImagePath(Workload.ReferenceImage));
        var sizes = Workload.OctaveSizes(model, info.Width, info.Height);
        Performance.ComputeFormat[] formats = [new(ScalarType.Float32, false), new(ScalarType.Float32, true), new(ScalarType.BFloat16, true)];
        foreach (var size in new[] { sizes[0], sizes[^1] })
        {
            var shapes = ConvShapes.Of(model, size.Height, size.Width);
            Console.WriteLine($"octave {size}: fwd / fwd+grad in ms (GFLOP/s of fwd+grad)");
            Console.WriteLine("| conv | GFLOP fwd+grad | NCHW fp32 | CL fp32 | CL bf16 |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            var baselines = formats.Select(f => new ConvBaseline(shapes, f)).ToArray();
            var totals = new double[formats.Length];
            for (var i = 0; i < shapes.Count; i++)
            {
                var cells = new List<string>();
                for (var f = 0; f < formats.Length; f++)
                {
                    var b = baselines[f];
                    var index = i;
                    var fwd = ConsoleModes.Median(reps, () => b.RunOne(index, backward: false));
                    var both = ConsoleModes.Median(reps, () => b.RunOne(index, backward: true));
                    totals[f] += both;
                    cells.Add(string.Create(CultureInfo.InvariantCulture, $"{fwd:F2} / {both:F2} ({shapes[i].ForwardAndInputGradientFlops / both / 1e6:F0})"));
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {shapes[i]} | {shapes[i].ForwardAndInputGradientFlops / 1e9:F3} | {string.Join(" | ", cells)} |"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| total | {shapes.Sum(s => s.ForwardAndInputGradientFlops) / 1e9:F2} | {string.Join(" | ", totals.Select(t => $"{t:F1} ms"))} |"));
            foreach (var b in baselines) b.Dispose();
        }
        return 0;
    }

    /// <summary>Prints the operators up to layer3, the convolutions at the full-size octave and the FLOP count per octave.</summary>
    public static int Shapes()
    {
        using var model = DreamModels.ResNet18();
        var info = SixLabors.ImageSharp.Image.Identify(Workload.ImagePath(Workload.ReferenceImage));
        var sizes = Workload.OctaveSizes(model, info.Width, info.Height);
        var target = model.Graph.ProducerOf(model.Graph.RuntimeId(model.Aliases[Workload.Layer]));
        Console.WriteLine("operators up to layer3: " + string.Join(", ", model.Graph.Ops.Take(target + 1).GroupBy(o => o.OpType).Select(g => $"{g.Key}×{g.Count()}")));
        foreach (var c in ConvShapes.Of(model, sizes[^1].Height, sizes[^1].Width))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c}  {c.ForwardFlops / 1e9:F3} GFLOP forward"));
        foreach (var s in sizes)
        {
            var list = ConvShapes.Of(model, s.Height, s.Width);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s}: {list.Count} convolutions, forward {list.Sum(c => c.ForwardFlops) / 1e9:F2} GFLOP, forward + input gradient {list.Sum(c => c.ForwardAndInputGradientFlops) / 1e9:F2} GFLOP"));
        }
        var total = ConvShapes.PyramidStepFlops(sizes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pyramid step: forward {total / 2e9:F2} GFLOP, forward + input gradient {total / 1e9:F2} GFLOP; whole dream (×{DreamSettings.DefaultStepsPerOctave}): {DreamSettings.DefaultStepsPerOctave * total / 1e9:F0} GFLOP"));
        return 0;
    }
}
