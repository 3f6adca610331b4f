using DeepDream.Features;
using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>
/// Guided ("controlled") dreaming. The guide's features <c>G</c> (C×M) are computed once at the layer. For the current
/// activation <c>A</c> (C×N) each position n takes the guide column <c>m* = argmax_m A[:,n]·G[:,m]</c>; the gradient at
/// the layer is <c>G[:, m*]</c> at every position. All of it is one matrix product and a gather on the device.
/// </summary>
public sealed class GuidedObjective : Objective
{
    private readonly Image<Rgb24> _guide;

    /// <summary>Creates the objective.</summary>
    /// <param name="layer">Layer name.</param>
    /// <param name="guide">The guide image; copied, so the caller keeps ownership.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public GuidedObjective(string layer, Image<Rgb24> guide)
    {
        Guard.NotBlank(layer, nameof(layer));
        ArgumentNullException.ThrowIfNull(guide);
        Layer = layer;
        _guide = guide.Clone();
    }

    /// <summary>The layer.</summary>
    public string Layer { get; }

    /// <summary>The guide image's size.</summary>
    public SixLabors.ImageSharp.Size GuideSize => _guide.Size();

    /// <inheritdoc />
    public override IReadOnlyList<string> Layers => [Layer];

    /// <inheritdoc />
    /// <exception cref="ImageTooSmallException">The guide image is smaller than the model's minimum for the layer.</exception>
    public override IObjectiveEvaluator Bind(IFeatureExtractor extractor)
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
        var guide = features[0].reshape(features.shape[1], -1).contiguous(); // C×M
        return new Evaluator(Layer, guide.DetachFromDisposeScope()); // lives as long as the dreamer
    }

    /// <inheritdoc />
    public override string ToString() => $"Guided({Layer}, {_guide.Width}×{_guide.Height})";

    /// <summary>Picks, for every position of <paramref name="activation"/> (1×C×H×W), the guide column with the largest dot product.</summary>
    /// <param name="activation">The current activation.</param>
    /// <param name="guide">The guide features, C×M.</param>
    /// <returns>The chosen column index per position (N = H·W) and the dot-product scores (N×M).</returns>
    internal static (Tensor Index, Tensor Scores) Match(Tensor activation, Tensor guide)
    {
        var channels = activation.shape[1];
        var a = activation.reshape(channels, -1); // C×N
        var scores = a.t().mm(guide);              // N×M
        return (scores.argmax(1), scores);
    }

    private sealed class Evaluator(string layer, Tensor guide) : IObjectiveEvaluator
    {
        public void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients)
        {
            var a = activations[layer].detach();
            var (index, _) = Match(a, guide);
            var g = guide.index_select(1, index).reshape(a.shape); // C×N → 1×C×H×W
            gradients.Add(layer, weight == 1 ? g : g.mul(weight));
        }

        public Tensor Value(IReadOnlyDictionary<string, Tensor> activations)
        {
            var (_, scores) = Match(activations[layer].detach(), guide);
            return scores.amax(1).sum();
        }

        public void Dispose() => guide.Dispose();
    }
}
