using DeepDream.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>
/// An objective written as a scalar function of the activations; its gradient comes from autograd, so there is nothing
/// to derive by hand (Lucid's and Lucent's way). Create it with
/// <see cref="Objective.FromFunction(IEnumerable{string}, Func{IReadOnlyDictionary{string, Tensor}, Tensor}, string?)"/>.
/// </summary>
/// <remarks>
/// The function is called with autograd enabled (for the gradient) and again without it (for the value, when a value is
/// wanted). It must return one number (a tensor with one element), use only TorchSharp operations on its inputs, keep no
/// state between calls (dreamers call it from several threads), and not modify the activations in place. Tensors it
/// creates are released with the step. The built-in objectives keep their explicit gradients, which skip this extra
/// backward pass.
/// </remarks>
public sealed class FunctionObjective : Objective
{
    private readonly string[] _layers;
    private readonly Func<IReadOnlyDictionary<string, Tensor>, Tensor> _function;
    private readonly string? _name;

    /// <summary>Creates the objective.</summary>
    /// <param name="layers">The layers the function reads (at least one, distinct, not empty).</param>
    /// <param name="function">Maps the activations (keyed by layer) to a scalar tensor.</param>
    /// <param name="name">A description for logs and results; default <c>Function(layers)</c>.</param>
    /// <exception cref="ArgumentException">No layers, an empty layer name, or a layer listed twice.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or <paramref name="function"/> is null.</exception>
    public FunctionObjective(IEnumerable<string> layers, Func<IReadOnlyDictionary<string, Tensor>, Tensor> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(function);
        _layers = layers.ToArray();
        if (_layers.Length == 0) throw new ArgumentException("Give at least one layer for the function to read.", nameof(layers));
        foreach (var layer in _layers) Guard.NotBlank(layer, nameof(layers));
        if (_layers.Distinct(StringComparer.Ordinal).Count() != _layers.Length)
            throw new ArgumentException("Each layer may be listed only once.", nameof(layers));
        _function = function;
        _name = name;
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> Layers => _layers;

    /// <inheritdoc />
    public override IObjectiveEvaluator Bind(IFeatureExtractor extractor)
    {
        foreach (var layer in _layers) RequireLayer(extractor, layer);
        return new Evaluator(this);
    }

    /// <inheritdoc />
    public override string ToString() => _name ?? $"Function({string.Join(", ", _layers)})";

    private Tensor Call(IReadOnlyDictionary<string, Tensor> activations)
    {
        var value = _function(activations)
            ?? throw new InvalidOperationException($"The function of objective {this} returned null; return a scalar tensor.");
        if (value.numel() != 1)
        {
            throw new InvalidOperationException(
                $"The function of objective {this} returned a tensor of shape [{string.Join("×", value.shape)}]; it must return one number: reduce it, for example with .sum() or .mean().");
        }
        if (!value.is_floating_point())
            throw new InvalidOperationException($"The function of objective {this} returned a {value.dtype} tensor; it must be a floating-point scalar.");
        return value.reshape([]);
    }

    private sealed class Evaluator(FunctionObjective objective) : IObjectiveEvaluator
    {
        public void AccumulateGradients(IReadOnlyDictionary<string, Tensor> activations, double weight, LayerGradients gradients)
        {
            // Fresh leaves over the activations' storage: autograd runs through the function only, not the network.
            var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var layer in objective._layers) inputs[layer] = activations[layer].detach().requires_grad_(true);
            Tensor value;
            using (enable_grad())
            {
                value = objective.Call(inputs);
            }
            if (!value.requires_grad) return; // constant in the activations: no gradient to add
            var leaves = objective._layers.Select(l => inputs[l]).ToArray();
            var grads = torch.autograd.grad([value], leaves, allow_unused: true);
            for (var i = 0; i < leaves.Length; i++)
            {
                var g = grads[i];
                if (g is null || g.IsInvalid) continue; // the function does not depend on this layer
                gradients.Add(objective._layers[i], weight == 1 ? g : g.mul(weight));
            }
        }

        public Tensor Value(IReadOnlyDictionary<string, Tensor> activations)
        {
            using var noGrad = no_grad();
            var detached = objective._layers.ToDictionary(l => l, l => activations[l].detach(), StringComparer.Ordinal);
            return objective.Call(detached);
        }

        public void Dispose() { }
    }
}
