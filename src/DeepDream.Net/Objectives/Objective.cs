using System.Globalization;
using DeepDream.Features;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream.Objectives;

/// <summary>
/// What the dream maximises: a function of the activations at one or more named layers. Objectives are immutable
/// definitions; <see cref="Bind(IFeatureExtractor)"/> prepares a per-dreamer evaluator (guide features, index tensors) once.
/// They compose by weighted sums: <c>0.5 * Objective.L2("layer2") + Objective.L2("layer3")</c>.
/// </summary>
public abstract class Objective
{
    /// <summary>Creates the objective (for derived classes).</summary>
    protected Objective() { }

    /// <summary>The layers whose activations this objective reads.</summary>
    public abstract IReadOnlyList<string> Layers { get; }

    /// <summary>Prepares an evaluator for <paramref name="extractor"/>; called once when a dreamer is built.</summary>
    /// <param name="extractor">The model the dream runs on (its device is where tensors are created).</param>
    /// <returns>An evaluator owned by the caller.</returns>
    /// <exception cref="ArgumentException">The objective does not fit the model (unknown layer, channel out of range).</exception>
    public abstract IObjectiveEvaluator Bind(IFeatureExtractor extractor);

    /// <summary><see cref="Bind(IFeatureExtractor)"/>, logging what binding changed (a guide pooled to its cap) to <paramref name="logger"/>.</summary>
    internal virtual IObjectiveEvaluator Bind(IFeatureExtractor extractor, Microsoft.Extensions.Logging.ILogger logger) => Bind(extractor);

    /// <summary>½‖a‖² of the layer's activation <c>a</c> (the reference's default); its gradient is <c>a</c> itself.</summary>
    /// <param name="layer">Layer name.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public static Objective L2(string layer) => new L2Objective(layer);

    /// <summary>½‖a[channels]‖²: the L2 objective restricted to a subset of channels.</summary>
    /// <param name="layer">Layer name.</param>
    /// <param name="channels">Channel indices (zero-based, distinct, at least one).</param>
    /// <exception cref="ArgumentException">The channel list is empty, has duplicates or negative values.</exception>
    public static Objective Channels(string layer, IEnumerable<int> channels) => new ChannelObjective(layer, channels);

    /// <summary>
    /// Guided dreaming: at each position, pull the activation towards the guide image's most similar feature column
    /// (maximum dot product). The guide's features are computed once, from the guide image (downscaled when it exceeds
    /// <see cref="GuidedObjective.MaxGuidePixels"/>); a feature map with more than
    /// <see cref="GuidedObjective.MaxGuidePositions"/> positions is average-pooled to at most that many.
    /// </summary>
    /// <param name="layer">Layer name.</param>
    /// <param name="guide">The guide image; copied, so the caller keeps ownership.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    public static Objective Guided(string layer, Image<Rgb24> guide) => new GuidedObjective(layer, guide);

    /// <summary>
    /// An objective written as a scalar function of the activations, differentiated by autograd: no hand-derived
    /// gradient. For example the L2 objective is <c>FromFunction(["layer3"], a => a["layer3"].square().sum() * 0.5)</c>.
    /// </summary>
    /// <param name="layers">The layers the function reads.</param>
    /// <param name="function">Maps the activations (keyed by layer name) to one number, as a tensor with one element
    /// (see <see cref="FunctionObjective"/> for the rules it must follow).</param>
    /// <param name="name">A description for logs and results; default <c>Function(layers)</c>.</param>
    /// <exception cref="ArgumentException">No layers, an empty layer name, or a layer listed twice.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> or <paramref name="function"/> is null.</exception>
    public static Objective FromFunction(IEnumerable<string> layers, Func<IReadOnlyDictionary<string, Tensor>, Tensor> function, string? name = null) =>
        new FunctionObjective(layers, function, name);

    /// <summary>A scalar function of one layer's activation, differentiated by autograd.</summary>
    /// <param name="layer">The layer the function reads.</param>
    /// <param name="function">Maps the activation (N×C×H×W) to one number, as a tensor with one element.</param>
    /// <param name="name">A description for logs and results; default <c>Function(layer)</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="layer"/> is empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public static Objective FromFunction(string layer, Func<Tensor, Tensor> function, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new FunctionObjective([layer], a => function(a[layer]), name);
    }

    /// <summary>Sums weighted objectives: <c>Σ wᵢ · Jᵢ</c>.</summary>
    /// <param name="terms">The weighted terms (at least one).</param>
    /// <exception cref="ArgumentException">No terms, or a weight that is not finite.</exception>
    public static Objective Sum(params (double Weight, Objective Objective)[] terms) => new WeightedSumObjective(terms);

    /// <summary>Scales an objective.</summary>
    /// <param name="weight">A finite weight.</param>
    /// <param name="objective">The objective.</param>
    public static Objective operator *(double weight, Objective objective) => new WeightedSumObjective([(weight, objective)]);

    /// <summary>Scales an objective.</summary>
    /// <param name="objective">The objective.</param>
    /// <param name="weight">A finite weight.</param>
    public static Objective operator *(Objective objective, double weight) => weight * objective;

    /// <summary>Adds two objectives.</summary>
    /// <param name="left">The first objective.</param>
    /// <param name="right">The second objective.</param>
    public static Objective operator +(Objective left, Objective right) =>
        new WeightedSumObjective([.. WeightedSumObjective.Terms(left), .. WeightedSumObjective.Terms(right)]);

    /// <summary>Subtracts an objective: <c>left − right</c>, for example to dream one layer while suppressing another.</summary>
    /// <param name="left">The objective to maximise.</param>
    /// <param name="right">The objective to minimise.</param>
    public static Objective operator -(Objective left, Objective right) => left + (-1.0 * right);

    /// <summary>Negates an objective (the dream then minimises it).</summary>
    /// <param name="objective">The objective.</param>
    public static Objective operator -(Objective objective) => -1.0 * objective;

    /// <summary>Divides an objective by a number.</summary>
    /// <param name="objective">The objective.</param>
    /// <param name="divisor">A finite, non-zero number.</param>
    /// <exception cref="ArgumentException"><paramref name="divisor"/> is 0 or not finite.</exception>
    public static Objective operator /(Objective objective, double divisor)
    {
        if (divisor == 0 || !double.IsFinite(divisor))
            throw new ArgumentException($"An objective can only be divided by a finite, non-zero number, got {divisor}.", nameof(divisor));
        return (1.0 / divisor) * objective;
    }

    /// <summary>Subtracts an objective (the named alternative to binary <c>operator -</c>).</summary>
    /// <param name="other">The objective to subtract.</param>
    public Objective Subtract(Objective other) => this - other;

    /// <summary>Negates the objective (the named alternative to unary <c>operator -</c>).</summary>
    public Objective Negate() => -this;

    /// <summary>Divides the objective by a number (the named alternative to <c>operator /</c>).</summary>
    /// <param name="divisor">A finite, non-zero number.</param>
    /// <exception cref="ArgumentException"><paramref name="divisor"/> is 0 or not finite.</exception>
    public Objective Divide(double divisor) => this / divisor;

    /// <summary>Scales an objective (the named alternative to <c>operator *</c>).</summary>
    /// <param name="weight">A finite weight.</param>
    public Objective Multiply(double weight) => weight * this;

    /// <summary>Adds an objective (the named alternative to <c>operator +</c>).</summary>
    /// <param name="other">The objective to add.</param>
    public Objective Add(Objective other) => this + other;

    /// <summary>Throws when a layer is not one of the model's, listing the valid names.</summary>
    /// <param name="extractor">The model.</param>
    /// <param name="layer">The layer asked for.</param>
    /// <exception cref="UnknownLayerException">The layer is unknown.</exception>
    protected static void RequireLayer(IFeatureExtractor extractor, string layer)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        if (!extractor.LayerNames.Contains(layer, StringComparer.Ordinal))
            throw new UnknownLayerException(extractor.Name, layer, extractor.LayerNames, nameof(layer));
    }
}
