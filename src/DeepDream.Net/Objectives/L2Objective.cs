using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>½‖a‖² of one layer's activation; its gradient is the activation itself.</summary>
public sealed class L2Objective : Objective
{
    /// <summary>Creates the objective.</summary>
    /// <param name="layer">Layer name.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public L2Objective(string layer)
    {
        Guard.NotBlank(layer, nameof(layer));
        Layer = layer;
    }

    /// <summary>The layer.</summary>
    public string Layer { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> Layers => [Layer];

    /// <inheritdoc />
    public override IObjectiveEvaluator Bind(IFeatureExtractor extractor)
    {
        RequireLayer(extractor, Layer);
        return new Evaluator(Layer);
    }

    /// <inheritdoc />
    public override string ToString() => $"L2({Layer})";

    private sealed class Evaluator(string layer) : IObjectiveEvaluator
    {
        public void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients)
        {
            var a = activations[layer].detach();
            gradients.Add(layer, weight == 1 ? a : a.mul(weight));
        }

        public Tensor Value(IReadOnlyDictionary<string, Tensor> activations)
        {
            var a = activations[layer].detach();
            return a.square().sum().mul_(0.5);
        }

        public void Dispose() { }
    }
}
