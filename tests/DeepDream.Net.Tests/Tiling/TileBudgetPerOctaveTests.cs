using System.Diagnostics;
using DeepDream.Diagnostics;
using DeepDream.Objectives;
using DeepDream.Schedules;
using DeepDream.Tests.TestSupport;
using DeepDream.Tiling;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Tiling;

/// <summary>
/// The memory budget is read once per octave: with a memory figure that changes at every read, each octave's steps are
/// all tiled alike (the same number of tiles per step), while the next octave follows the new figure.
/// </summary>
public sealed class TileBudgetPerOctaveTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void EveryStepOfAnOctave_UsesTheTilePlanOfTheMemoryReadWhenItStarted()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 2);
        using var evaluator = Objective.L2("conv2").Bind(model);
        // Plenty, then none, then plenty: half of 64 GiB holds any octave here whole; with nothing free the smallest
        // budget (64 MiB) gives 256 px tiles, which cut every octave of a 640×480 image (the smallest is 80 kpx × 1 KiB = 80 MiB).
        long[] figures = [64 * GiB, 0, 64 * GiB];
        var reads = 0;
        var sizing = new TileSizing(null, null, DreamSettings.EstimatedBytesPerPixel, 0, () => figures[reads++ % figures.Length]);
        var gradients = new GradientComputer(model, evaluator, ["conv2"], sizing);
        using (no_grad())
        {
            // Measures the receptive field first (one extra model call, on the first tiled pass), so that below every
            // model call is one tile.
            gradients.Compute(rand([1, 3, 300, 300], generator: new Generator(5)), TileSizing.MinimumBudget, wantValue: false);
        }
        Assert.Equal(0, reads);

        const int steps = 3;
        var loop = new DreamLoop(new OctaveSchedule(count: 3, scale: 1.4), steps, [], new MeanGradientStepRule(), gradients,
            minimumSize: 2, NullLogger.Instance);
        var tilesPerStep = new List<(int Octave, int Tiles)>();
        var callsBefore = model.ExtractCalls;
        var progress = new SyncProgress(p =>
        {
            tilesPerStep.Add((p.Octave, model.ExtractCalls - callsBefore));
            callsBefore = model.ExtractCalls;
        });
        var image = rand([1, 3, 480, 640], generator: new Generator(4));
        var state = new DreamLoop.RunState(new Random(1), progress, ValueEveryStep: false, null, Stopwatch.StartNew(), default);
        using var output = loop.Run(image, state, []);

        Assert.Equal(3 * steps, tilesPerStep.Count);
        var perOctave = tilesPerStep.GroupBy(t => t.Octave).Select(g => g.Select(t => t.Tiles).Distinct().ToArray()).ToArray();
        Assert.All(perOctave, tiles => Assert.Single(tiles)); // the same plan at every step of an octave
        // Octaves 327×245, 457×343, 640×480: whole (1 tile), then 256 px tiles with 160 px cores (3 × 3 = 9), then whole.
        Assert.Equal([1, 9, 1], perOctave.Select(tiles => tiles[0]));
        Assert.Equal(3, reads); // one read per octave, none per step
    }

    private sealed class SyncProgress(Action<DreamProgress> report) : IProgress<DreamProgress>
    {
        public void Report(DreamProgress value) => report(value);
    }
}
