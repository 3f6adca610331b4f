namespace DeepDream.Models.Onnx.Operators;

/// <summary>Creates an <see cref="OnnxOp"/> for one node of a supported type.</summary>
internal delegate OnnxOp OpFactory(OpContext context);

/// <summary>
/// The built-in ONNX operators (default domain), gathered from the operator families, and the factory that turns a node
/// into an <see cref="OnnxOp"/>. Operators registered through <see cref="OnnxImportOptions.CustomOperators"/> come first.
/// </summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, OpFactory> BuiltIn = Collect();

    /// <summary>Every built-in operator type, sorted, for error messages and documentation.</summary>
    public static IReadOnlyList<string> Supported { get; } = [.. BuiltIn.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Whether a node of this type and domain can be imported, with the caller's extra operators.</summary>
    public static bool IsSupported(string opType, string domain, OnnxOperatorSet? custom) =>
        custom?.Find(domain, opType) is not null || (IsDefaultDomain(domain) && BuiltIn.ContainsKey(opType));

    public static OnnxOp Create(OpContext context)
    {
        var node = context.Node;
        if (context.Options.CustomOperators?.Find(node.Domain, node.OpType) is { } custom) return new CustomOp(context, custom);
        return BuiltIn[node.OpType](context);
    }

    public static bool IsDefaultDomain(string domain) => domain is "" or "ai.onnx";

    /// <summary>Normalises a possibly negative axis for a tensor of rank <paramref name="rank"/>.</summary>
    internal static long Axis(long axis, long rank, string node)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new InvalidOperationException($"axis {axis} is out of range for a rank-{rank} tensor in node '{node}'");
        return a;
    }

    private static Dictionary<string, OpFactory> Collect()
    {
        var table = new Dictionary<string, OpFactory>(StringComparer.Ordinal);
        ElementwiseOps.Register(table);
        LogicOps.Register(table);
        ActivationOps.Register(table);
        ConvOps.Register(table);
        PoolingOps.Register(table);
        NormalizationOps.Register(table);
        ReductionOps.Register(table);
        ShapeOps.Register(table);
        IndexingOps.Register(table);
        GeneratorOps.Register(table);
        MatrixOps.Register(table);
        PadOp.Register(table);
        ResizeOp.Register(table);
        return table;
    }
}
