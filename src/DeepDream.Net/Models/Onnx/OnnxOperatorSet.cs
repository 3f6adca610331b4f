using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// Computes one node's outputs from its inputs. Gets the node's inputs in order (null for an omitted optional input) and
/// returns one tensor per node output (fewer when the trailing optional outputs are unused).
/// </summary>
/// <remarks>
/// A kernel is called once per forward pass (and once at load when every input is a constant), possibly from several
/// threads at once: keep it free of mutable state. It must not modify or dispose its inputs; the tensors it returns are
/// owned by the graph. Build them from the inputs with differentiable TorchSharp operations, so that the dream's gradient
/// flows through the node.
/// </remarks>
/// <param name="inputs">The node's inputs, on the model's device.</param>
/// <returns>The node's outputs.</returns>
public delegate IReadOnlyList<Tensor> OnnxKernel(IReadOnlyList<Tensor?> inputs);

/// <summary>
/// Extra ONNX operators for the importer, by operator type (and domain): give one to
/// <see cref="OnnxImportOptions.CustomOperators"/> to import models that use an operator DeepDream.Net does not know, or to
/// replace a built-in one. Each entry is a factory that reads the node's attributes once, at load, and returns the
/// <see cref="OnnxKernel"/> that computes the node.
/// </summary>
/// <example>
/// <code>
/// var operators = new OnnxOperatorSet()
///     .AddElementwise("Swish", x => x * torch.sigmoid(x))                              // one input, one output
///     .Add("ScaledTanh", node =>                                                        // attributes, several inputs
///     {
///         var alpha = node.GetFloat("alpha", 1f);
///         var beta = node.GetFloat("beta", 1f);
///         return inputs => [torch.tanh(inputs[0]! * beta) * alpha];
///     });
/// using var model = DreamModels.FromOnnx("model.onnx", Preprocessing.ImageNet, new OnnxImportOptions { CustomOperators = operators });
/// </code>
/// </example>
public sealed class OnnxOperatorSet
{
    private readonly Dictionary<(string Domain, string OpType), Func<OnnxNode, OnnxKernel>> _factories = [];

    /// <summary>Creates an empty set.</summary>
    public OnnxOperatorSet() { }

    /// <summary>The registered operators as (domain, operator type) pairs; the default domain is "".</summary>
    public IReadOnlyCollection<(string Domain, string OpType)> Operators => _factories.Keys;

    /// <summary>Registers operator <paramref name="opType"/> of the default ONNX domain (replacing any built-in one).</summary>
    /// <param name="opType">The node's <c>op_type</c>, e.g. <c>Softplus</c>; case-sensitive.</param>
    /// <param name="factory">Called once per node at load: reads the attributes and returns the kernel.</param>
    /// <returns>This set, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="opType"/> is empty or already registered.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    public OnnxOperatorSet Add(string opType, Func<OnnxNode, OnnxKernel> factory) => Add("", opType, factory);

    /// <summary>Registers operator <paramref name="opType"/> of <paramref name="domain"/> (e.g. <c>com.microsoft</c>).</summary>
    /// <param name="domain">The node's domain; "" (or "ai.onnx") for the default ONNX domain.</param>
    /// <param name="opType">The node's <c>op_type</c>; case-sensitive.</param>
    /// <param name="factory">Called once per node at load: reads the attributes and returns the kernel.</param>
    /// <returns>This set, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="opType"/> is empty or already registered for this domain.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="domain"/> or <paramref name="factory"/> is null.</exception>
    public OnnxOperatorSet Add(string domain, string opType, Func<OnnxNode, OnnxKernel> factory)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_factories.TryAdd((Normalize(domain), opType), factory))
            throw new ArgumentException($"The operator '{opType}'{(domain.Length > 0 ? $" of domain '{domain}'" : "")} is already registered in this set.", nameof(opType));
        return this;
    }

    /// <summary>Registers a one-input, one-output operator of the default domain computed by <paramref name="function"/>.</summary>
    /// <param name="opType">The node's <c>op_type</c>; case-sensitive.</param>
    /// <param name="function">Maps the input to the output (element-wise or not); must not modify its argument.</param>
    /// <returns>This set, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="opType"/> is empty or already registered.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="function"/> is null.</exception>
    public OnnxOperatorSet AddElementwise(string opType, Func<Tensor, Tensor> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Add(opType, _ => inputs => [function(inputs[0] ?? throw new ArgumentException("the input is missing", nameof(inputs)))]);
    }

    internal Func<OnnxNode, OnnxKernel>? Find(string domain, string opType) =>
        _factories.TryGetValue((Normalize(domain), opType), out var f) ? f : null;

    private static string Normalize(string domain) => domain == "ai.onnx" ? "" : domain;
}
