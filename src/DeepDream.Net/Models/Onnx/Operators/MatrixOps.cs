using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Matrix products: MatMul, Gemm and Einsum.</summary>
internal static class MatrixOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["MatMul"] = c => new BinaryOp(c, (a, b) => CheckedMatMul(c.Node.DisplayName, a, b), legacyBroadcast: false);
        table["Gemm"] = c => new GemmOp(c);
        table["Einsum"] = c => new EinsumOp(c);
    }

    /// <summary>
    /// a·b after checking the inner sides: libtorch's batched product reports a mismatch by aborting the process instead
    /// of throwing (seen with 4-D operands), and a shape probe meets such mismatches whenever a MatMul fits one input size only.
    /// </summary>
    private static Tensor CheckedMatMul(string node, Tensor a, Tensor b)
    {
        var inner = a.shape[^1];
        var other = b.dim() == 1 ? b.shape[0] : b.shape[^2];
        if (inner != other)
            throw new InvalidOperationException($"MatMul node '{node}' multiplies [{string.Join(", ", a.shape)}] by [{string.Join(", ", b.shape)}]: the inner sides {inner} and {other} differ.");
        return a.matmul(b);
    }
}

/// <summary>
/// Gemm: alpha·A'·B' + beta·C. A transposed B is used as a transposed view (BLAS reads it in place), not copied: a
/// classifier's weight can be hundreds of megabytes (VGG16's first: 411 MB).
/// </summary>
internal sealed class GemmOp : OnnxOp
{
    private readonly bool _transA;
    private readonly bool _transB;
    private readonly float _alpha;
    private readonly float _beta;

    public GemmOp(OpContext c) : base(c)
    {
        _alpha = c.Float("alpha", 1f);
        _beta = c.Float("beta", 1f);
        _transA = c.Int("transA", 0) == 1;
        _transB = c.Int("transB", 0) == 1;
    }

    public override void Run(Tensor?[] values)
    {
        var a = In(values, 0);
        var b = In(values, 1);
        if (a.dim() > 2) a = a.reshape(a.shape[0], -1);
        if (_transA) a = a.t();
        if (_transB) b = b.t();
        var cIn = OptionalIn(values, 2);
        Tensor y;
        if (cIn is not null && _beta != 0) y = addmm(cIn, a, b, _beta, _alpha);
        else
        {
            y = a.mm(b);
            if (_alpha != 1f) y = y.mul_(_alpha);
        }
        Out(values, y);
    }
}

/// <summary>Einsum with an explicit or implicit ('->'-less) equation, as torch evaluates it.</summary>
internal sealed class EinsumOp : OnnxOp
{
    private readonly string _equation;

    public EinsumOp(OpContext c) : base(c) => _equation = c.String("equation", "").Replace(" ", "", StringComparison.Ordinal);

    public override void Run(Tensor?[] values)
    {
        var operands = new Tensor[Inputs.Length];
        for (var i = 0; i < operands.Length; i++) operands[i] = In(values, i);
        Out(values, einsum(_equation, operands));
    }
}
