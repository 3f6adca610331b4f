using System.Diagnostics;
using DeepDream.Diagnostics;
using DeepDream.Regularizers;
using DeepDream.Schedules;
using DeepDream.Tiling;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream;

/// <summary>
/// The algorithm, top to bottom: octave pyramid (smallest first), and per step jitter → gradient → normalised step →
/// un-jitter → clamp. Immutable; every run keeps its state in locals, so runs may overlap on several threads.
/// </summary>
internal sealed class DreamLoop(
    IOctaveSchedule schedule, int stepsPerOctave, IReadOnlyList<IRegularizer> regularizers, IStepRule stepRule,
    GradientComputer gradients, int minimumSize, ILogger logger)
{
    /// <summary>Per-run inputs that are not settings.</summary>
    public sealed record RunState(Random Random, IProgress<DreamProgress>? Progress, bool ValueEveryStep,
        Action<int, int, Tensor>? OctaveCompleted, Stopwatch Clock, CancellationToken CancellationToken);

    /// <summary>The octave sizes this loop will use for an input, in the order they are processed (smallest first).</summary>
    /// <exception cref="ImageTooSmallException">The input is below the model's minimum.</exception>
    /// <exception cref="InvalidOperationException">A custom schedule gave sizes the loop cannot use.</exception>
    public IReadOnlyList<OctaveSize> Sizes(OctaveSize input)
    {
        var sizes = schedule.Sizes(input, minimumSize);
        if (sizes is null || sizes.Count == 0 || sizes[^1] != input)
        {
            throw new InvalidOperationException(
                $"The octave schedule {schedule.GetType().Name} must return at least one size and end with the input's size {input}; it returned [{string.Join(", ", sizes ?? [])}].");
        }
        foreach (var size in sizes)
        {
            if (size.Width >= minimumSize && size.Height >= minimumSize) continue;
            throw new InvalidOperationException(
                $"The octave schedule {schedule.GetType().Name} returned the size {size}, below the model's minimum of {minimumSize}×{minimumSize} for the objective's layers.");
        }
        return sizes;
    }

    /// <summary>Dreams <paramref name="input"/> (1×3×H×W in [0,1]; not modified) and returns a new tensor of the same size.</summary>
    public Tensor Run(Tensor input, RunState run, List<OctaveResult> octaves)
    {
        var sizes = Sizes(new OctaveSize((int)input.shape[3], (int)input.shape[2]));
        var progress = new ProgressFractions(sizes, stepsPerOctave);
        using var runScope = NewDisposeScope();
        using var noGrad = no_grad();

        // The pyramid, from the input down: each octave's base is the next larger one resized, as the reference does.
        var bases = new Tensor[sizes.Count];
        bases[^1] = input;
        for (var k = sizes.Count - 2; k >= 0; k--) bases[k] = Resize(bases[k + 1], sizes[k]);

        var detail = zeros(1, 3, sizes[0].Height, sizes[0].Width, device: input.device);
        Tensor x = detail;
        for (var k = 0; k < sizes.Count; k++)
        {
            var octave = k + 1;
            var size = sizes[k];
            var octaveClock = Stopwatch.StartNew();
            Log.OctaveStarted(logger, octave, sizes.Count, size.Width, size.Height);
            if (detail.shape[2] != size.Height || detail.shape[3] != size.Width) Replace(ref detail, Resize(detail, size));
            x = bases[k].add(detail);
            detail.Dispose(); // images are freed as soon as the pyramid no longer needs them: large inputs stay in budget

            var tileBudget = gradients.ReadTileBudget(); // once per octave, so that all its steps are tiled alike
            var value = double.NaN;
            for (var step = 1; step <= stepsPerOctave; step++)
            {
                run.CancellationToken.ThrowIfCancellationRequested();
                value = Step(x, tileBudget, run, wantValue: run.ValueEveryStep || step == stepsPerOctave);
                run.Progress?.Report(new DreamProgress(octave, sizes.Count, step, stepsPerOctave, size.Width, size.Height, value,
                    run.Clock.Elapsed, progress.After(k, step)));
            }

            if (!x.isfinite().all().item<bool>()) throw NonFinite(octave, size); // one check per octave, not per step
            octaves.Add(new OctaveResult(octave, size, octaveClock.Elapsed, value));
            Log.OctaveFinished(logger, octave, sizes.Count, octaveClock.Elapsed.TotalSeconds, value);
            run.OctaveCompleted?.Invoke(octave, sizes.Count, x);
            if (k < sizes.Count - 1)
            {
                detail = x.sub(bases[k]);
                x.Dispose();
                bases[k].Dispose();
            }
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Progress as a fraction of the run's time: a step costs about its octave's pixel count (the convolutions dominate),
    /// so each step is weighted by it rather than counted once.
    /// </summary>
    private sealed class ProgressFractions(IReadOnlyList<OctaveSize> sizes, int stepsPerOctave)
    {
        private readonly double[] _before = Cumulative(sizes);

        /// <summary>The fraction done after <paramref name="step"/> (1-based) of octave <paramref name="k"/> (0-based).</summary>
        public double After(int k, int step)
        {
            var total = _before[^1];
            var done = _before[k] + (double)sizes[k].Width * sizes[k].Height * step / stepsPerOctave;
            return k == sizes.Count - 1 && step == stepsPerOctave ? 1.0 : Math.Min(1.0, done / total);
        }

        private static double[] Cumulative(IReadOnlyList<OctaveSize> sizes)
        {
            var sums = new double[sizes.Count + 1];
            for (var i = 0; i < sizes.Count; i++) sums[i + 1] = sums[i] + (double)sizes[i].Width * sizes[i].Height;
            return sums;
        }
    }

    /// <summary>
    /// One step on <paramref name="x"/>, in place, tiled by the octave's <paramref name="tileBudget"/>. Returns the
    /// objective's value when asked (NaN otherwise).
    /// </summary>
    private double Step(Tensor x, long tileBudget, RunState run, bool wantValue)
    {
        using var scope = NewDisposeScope();
        var transforms = new IRegularizerStep[regularizers.Count];
        for (var i = 0; i < transforms.Length; i++) transforms[i] = regularizers[i].Sample(run.Random);

        var seen = x;
        foreach (var t in transforms) Replace(ref seen, t.Apply(seen), keep: x);

        var (gradient, value) = gradients.Compute(seen, tileBudget, wantValue, run.CancellationToken);
        if (!ReferenceEquals(seen, x)) seen.Dispose();
        var update = stepRule.Update(gradient);
        if (!ReferenceEquals(update, gradient)) gradient.Dispose();
        for (var i = transforms.Length - 1; i >= 0; i--) Replace(ref update, transforms[i].Invert(update));

        x.add_(update).clamp_(0, 1);
        return value is null ? double.NaN : value.item<float>();
    }

    private DeepDreamException NonFinite(int octave, OctaveSize size) =>
        NonFiniteErrors.Pixels(gradients.ModelName, gradients.Precision, octave, size);

    /// <summary>Disposes <paramref name="current"/> (unless it is <paramref name="keep"/>) and puts <paramref name="next"/> in its place.</summary>
    private static void Replace(ref Tensor current, Tensor next, Tensor? keep = null)
    {
        if (!ReferenceEquals(current, next) && !ReferenceEquals(current, keep)) current.Dispose();
        current = next;
    }

    /// <summary>Bilinear resize, <c>align_corners = false</c>, no antialiasing: the reference's octave resize.</summary>
    internal static Tensor Resize(Tensor image, OctaveSize size) =>
        nn.functional.interpolate(image, [size.Height, size.Width], mode: InterpolationMode.Bilinear, align_corners: false);
}
