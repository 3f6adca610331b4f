using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// What a custom operator's factory (<see cref="OnnxOperatorSet"/>) sees of one ONNX node at load: its names, attributes,
/// and the inputs that are constants.
/// </summary>
public sealed class OnnxNode
{
    private readonly OpContext _context;

    internal OnnxNode(OpContext context) => _context = context;

    /// <summary>The node's name (or a description naming its first output when the node has none).</summary>
    public string Name => _context.Node.DisplayName;

    /// <summary>The operator type, e.g. <c>Softplus</c>.</summary>
    public string OpType => _context.Node.OpType;

    /// <summary>The operator's domain; "" for the default ONNX domain.</summary>
    public string Domain => _context.Node.Domain;

    /// <summary>The model's opset version for the default ONNX domain.</summary>
    public long Opset => _context.Opset;

    /// <summary>Names of the node's inputs ("" for an omitted optional input).</summary>
    public IReadOnlyList<string> InputNames => _context.Node.Inputs;

    /// <summary>Names of the node's outputs ("" for an unused optional output).</summary>
    public IReadOnlyList<string> OutputNames => _context.Node.Outputs;

    /// <summary>Whether the node has an attribute called <paramref name="name"/>.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>True when present.</returns>
    public bool HasAttribute(string name) => _context.Has(name);

    /// <summary>An integer attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="fallback">The value to use when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public long GetInt(string name, long fallback) => _context.Int(name, fallback);

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="fallback">The value to use when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public float GetFloat(string name, float fallback) => _context.Float(name, fallback);

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="fallback">The value to use when the attribute is absent.</param>
    /// <returns>The value.</returns>
    public string GetString(string name, string fallback) => _context.String(name, fallback);

    /// <summary>An integer-list attribute, or null when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The values, or null.</returns>
    public IReadOnlyList<long>? GetInts(string name) => _context.Ints(name);

    /// <summary>A float-list attribute, or null when absent.</summary>
    /// <param name="name">The attribute name.</param>
    /// <returns>The values, or null.</returns>
    public IReadOnlyList<float>? GetFloats(string name) => _context.Floats(name);

    /// <summary>
    /// Input <paramref name="index"/> when it is known at load (an initializer, or computed from constants only), else
    /// null. The tensor belongs to the graph: read it, do not dispose or modify it.
    /// </summary>
    /// <param name="index">The input position.</param>
    /// <returns>The constant, or null.</returns>
    public Tensor? GetConstantInput(int index) => index >= 0 ? _context.ConstantInput(index) : null;
}
