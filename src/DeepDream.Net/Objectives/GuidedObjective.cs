using DeepDream.Features;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using DeepDream.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>
/// Guided ("controlled") dreaming. The guide's features <c>G</c> (C×M) are computed once at the layer. For the current
/// activation <c>A</c> (C×N) each position n takes the guide column <c>m* = argmax_m A[:,n]·G[:,m]</c>; the gradient at
/// the layer is <c>G[:, m*]</c> at every position. All of it is matrix products and a gather on the device.
/// </summary>
/// <remarks>
/// Memory stays bounded whatever the guide's size: a guide larger than <see cref="MaxGuidePixels"/> (1024×1024, the
/// default tile) is downscaled, aspect kept, before its features are computed — a guide contributes a set of feature
/// columns, so its resolution matters far less than the dreamed image's — and the N×M dot products are computed a block
/// of positions at a time (at most <see cref="MaxScoreElements"/> scores at once).
/// <para>
/// Time stays bounded too: every step matches each of the image's N positions against all M guide positions, so at an
/// early, full-resolution layer (a 600×400 guide has about 240,000 positions there) a step would cost N × 240,000 dot
/// products. A guide whose feature map at the layer has more than <see cref="MaxGuidePositions"/> positions is therefore
/// average-pooled, aspect kept, to at most that many (logged once, at Information level, when the dreamer is built).
/// Guides at 1/16-resolution layers such as ResNet's <c>layer3</c> or GoogLeNet's <c>inception4c</c> stay below the
/// cap (a 1024×1024 guide has 64×64 positions there) and are used exactly as computed.
/// </para>
/// </remarks>
public sealed class GuidedObjective : Objective
{
    /// <summary>The most pixels a guide's features are computed from; larger guides are downscaled to fit (1024×1024).</summary>
    public const long MaxGuidePixels = 1024 * 1024;

    /// <summary>
    /// The most positions a guide's feature map at the layer keeps (8192); larger maps are average-pooled, aspect kept,
    /// to at most this many. Maps at 1/16-resolution layers of a guide within <see cref="MaxGuidePixels"/> stay below it.
    /// </summary>
    public const int MaxGuidePositions = 8192;

    /// <summary>The most guide-matching scores held at once (2^24 floats, 64 MiB).</summary>
    internal const long MaxScoreElements = 1L << 24;

    private readonly Image<Rgb24> _guide;

    /// <summary>Creates the objective.</summary>
    /// <param name="layer">Layer name.</param>
    /// <param name="guide">The guide image; copied (downscaled to at most <see cref="MaxGuidePixels"/>), so the caller keeps ownership.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public GuidedObjective(string layer, Image<Rgb24> guide)
    {
        Guard.NotBlank(layer, nameof(layer));
        ArgumentNullException.ThrowIfNull(guide);
        Layer = layer;
        _guide = FitToBudget(guide);
    }

    /// <summary>The layer.</summary>
    public string Layer { get; }

    /// <summary>The size the guide's features are computed at: the guide's own, or smaller when it exceeds <see cref="MaxGuidePixels"/>.</summary>
    public SixLabors.ImageSharp.Size GuideSize => _guide.Size();

    /// <inheritdoc />
    public override IReadOnlyList<string> Layers => [Layer];

    /// <inheritdoc />
    /// <exception cref="ImageTooSmallException">The guide image is smaller than the model's minimum for the layer.</exception>
    public override IObjectiveEvaluator Bind(IFeatureExtractor extractor) => Bind(extractor, NullLogger.Instance);

    /// <inheritdoc />
    internal override IObjectiveEvaluator Bind(IFeatureExtractor extractor, ILogger logger)
    {
        RequireLayer(extractor, Layer);
        var minimum = extractor.GetMinimumInputSize([Layer]);
        if (_guide.Width < minimum || _guide.Height < minimum)
        {
            throw new ImageTooSmallException(
                $"The guide image is {_guide.Width}×{_guide.Height} pixels; layer '{Layer}' of '{extractor.Name}' needs at least {minimum}×{minimum}.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = ImageTensor.ToTensor(_guide, extractor.Device);
        var features = extractor.Extract(image, [Layer])[Layer];
        var capped = CapPositions(features, MaxGuidePositions);
        if (!ReferenceEquals(capped, features))
        {
            Log.GuidePooled(logger, Layer, (int)features.shape[3], (int)features.shape[2], (int)capped.shape[3], (int)capped.shape[2], MaxGuidePositions);
        }
        var guide = capped[0].reshape(capped.shape[1], -1).contiguous(); // C×M
        return new Evaluator(Layer, guide.DetachFromDisposeScope()); // lives as long as the dreamer
    }

    /// <summary>
    /// <paramref name="features"/> (1×C×H×W) itself when it has at most <paramref name="maxPositions"/> positions;
    /// otherwise average-pooled to h×w ≤ <paramref name="maxPositions"/> positions, the aspect kept (each side scaled by
    /// √(max / (H·W)), rounded down, at least 1).
    /// </summary>
    internal static Tensor CapPositions(Tensor features, long maxPositions)
    {
        long height = features.shape[2], width = features.shape[3];
        if (height * width <= maxPositions) return features;
        var factor = Math.Sqrt((double)maxPositions / (height * width));
        long h = Math.Max(1, (long)Math.Floor(height * factor)), w = Math.Max(1, (long)Math.Floor(width * factor));
        if (h * w > maxPositions) // a very thin map: one side was raised to 1, so the other one takes the whole cap
        {
            if (h == 1) w = maxPositions;
            else h = maxPositions;
        }
        return nn.functional.adaptive_avg_pool2d(features, [h, w]);
    }

    /// <inheritdoc />
    public override string ToString() => $"Guided({Layer}, {_guide.Width}×{_guide.Height})";

    /// <summary>A copy of <paramref name="guide"/>, downscaled (aspect kept) when it has more than <see cref="MaxGuidePixels"/> pixels.</summary>
    internal static Image<Rgb24> FitToBudget(Image<Rgb24> guide)
    {
        long pixels = (long)guide.Width * guide.Height;
        if (pixels <= MaxGuidePixels) return guide.Clone();
        var factor = Math.Sqrt((double)MaxGuidePixels / pixels);
        int width = Math.Max(1, (int)(guide.Width * factor)), height = Math.Max(1, (int)(guide.Height * factor));
        return guide.Clone(x => x.Resize(width, height, KnownResamplers.Box));
    }

    /// <summary>
    /// Picks, for every position of <paramref name="activation"/> (1×C×H×W), the guide column with the largest dot
    /// product, a block of positions at a time so that at most <paramref name="maxScores"/> scores exist at once.
    /// </summary>
    /// <param name="activation">The current activation.</param>
    /// <param name="guide">The guide features, C×M.</param>
    /// <param name="maxScores">The most scores computed at once.</param>
    /// <returns>The chosen column index per position (N = H·W) and its dot product (N).</returns>
    internal static (Tensor Index, Tensor Best) Match(Tensor activation, Tensor guide, long maxScores = MaxScoreElements)
    {
        var channels = activation.shape[1];
        var a = activation.reshape(channels, -1).t(); // N×C
        var n = a.shape[0];
        var rows = Math.Max(1, maxScores / Math.Max(1, guide.shape[1]));
        if (rows >= n)
        {
            var (best, index) = a.mm(guide).max(1); // N×M, then the best per row
            return (index, best);
        }
        using var scope = NewDisposeScope();
        var indices = new List<Tensor>();
        var bests = new List<Tensor>();
        for (long start = 0; start < n; start += rows)
        {
            using var block = NewDisposeScope();
            var (best, index) = a.narrow(0, start, Math.Min(rows, n - start)).mm(guide).max(1);
            indices.Add(index.MoveToOuterDisposeScope());
            bests.Add(best.MoveToOuterDisposeScope());
        }
        return (cat(indices, 0).MoveToOuterDisposeScope(), cat(bests, 0).MoveToOuterDisposeScope());
    }

    /// <summary>The bound objective: the guide's feature columns (C×M) and the matching.</summary>
    internal sealed class Evaluator(string layer, Tensor guide) : IObjectiveEvaluator
    {
        /// <summary>The guide's positions M after the cap (tests).</summary>
        internal long GuidePositions => guide.shape[1];

        public void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients)
        {
            var a = activations[layer].detach();
            var (index, _) = Match(a, guide);
            var g = guide.index_select(1, index).reshape(a.shape); // C×N → 1×C×H×W
            gradients.Add(layer, weight == 1 ? g : g.mul(weight));
        }

        public Tensor Value(IReadOnlyDictionary<string, Tensor> activations)
        {
            var (_, best) = Match(activations[layer].detach(), guide);
            return best.sum();
        }

        public void Dispose() => guide.Dispose();
    }
}
