using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>
/// A bound objective: computes the gradient of the objective with respect to each layer's activation. Evaluators are
/// used by several runs at once, so they hold only read-only state. Tensors they return belong to the caller's
/// dispose scope; they are called with autograd disabled.
/// </summary>
public interface IObjectiveEvaluator : IDisposable
{
    /// <summary>Adds <c>weight · ∂J/∂a</c> for each of its layers into <paramref name="gradients"/>.</summary>
    /// <param name="activations">The activations of (at least) the objective's layers.</param>
    /// <param name="weight">The factor applied to this objective's gradient.</param>
    /// <param name="gradients">Where gradients accumulate, per layer.</param>
    void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients);

    /// <summary>The objective's value <c>J</c> as a 0-dimensional tensor (for progress reports and results).</summary>
    /// <param name="activations">The activations of (at least) the objective's layers.</param>
    Tensor Value(IReadOnlyDictionary<string, Tensor> activations);
}

/// <summary>Gradients with respect to layer activations, summed over objective terms.</summary>
public sealed class LayerGradients
{
    /// <summary>Creates an empty set.</summary>
    public LayerGradients() { }

    private readonly Dictionary<string, Tensor> _gradients = new(StringComparer.Ordinal);

    /// <summary>The layers that received a gradient, in the order they first did.</summary>
    public IReadOnlyCollection<string> Layers => _gradients.Keys;

    /// <summary>The summed gradient for <paramref name="layer"/>.</summary>
    /// <param name="layer">A layer in <see cref="Layers"/>.</param>
    /// <exception cref="KeyNotFoundException">No gradient was added for the layer.</exception>
    public Tensor this[string layer] => _gradients[layer];

    /// <summary>Adds a gradient for a layer (out of place: tensors passed in are never modified).</summary>
    /// <param name="layer">Layer name.</param>
    /// <param name="gradient">A tensor of the activation's shape.</param>
    public void Add(string layer, Tensor gradient)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        _gradients[layer] = _gradients.TryGetValue(layer, out var existing) ? existing.add(gradient) : gradient;
    }
}
