using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>BatchNormalization, LayerNormalization, InstanceNormalization and LRN.</summary>
internal static class NormalizationOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["BatchNormalization"] = c => IsTraining(c) ? new BatchNormTrainingOp(c) : new BatchNormOp(c);
        table["LayerNormalization"] = c => new LayerNormOp(c);
        table["InstanceNormalization"] = c => new InstanceNormOp(c);
        table["LRN"] = c => new LrnOp(c);
    }

    /// <summary>Whether a BatchNormalization normalises with the batch's own statistics (opset 14+ <c>training_mode=1</c>).</summary>
    public static bool IsTraining(OpContext c) => c.Opset >= 14 && c.Int("training_mode", 0) == 1;

    /// <summary>A per-channel vector viewed to broadcast over an N×C×… tensor of <paramref name="rank"/>.</summary>
    internal static Tensor PerChannel(Tensor v, long rank)
    {
        var shape = new long[Math.Max(rank, 2)];
        Array.Fill(shape, 1L);
        shape[1] = -1;
        return v.reshape(shape);
    }
}

/// <summary>Inference-mode BatchNormalization as one fused multiply-add per element, its coefficients computed at load.</summary>
internal sealed class BatchNormOp : OnnxOp
{
    private readonly int _scale;
    private readonly int _shift;

    public BatchNormOp(OpContext c) : base(c)
    {
        var (scale, shift) = Coefficients(c);
        _scale = c.AddConstant(scale);
        _shift = c.AddConstant(shift);
    }

    /// <summary>Inference-mode BN as y = x·scale + shift (per channel; see <see cref="BatchNormFolding.Coefficients"/>).</summary>
    public static (Tensor Scale, Tensor Shift) Coefficients(OpContext c)
    {
        var gamma = c.ConstantInput(1);
        var beta = c.ConstantInput(2);
        var mean = c.ConstantInput(3);
        var variance = c.ConstantInput(4);
        if (gamma is null || beta is null || mean is null || variance is null)
            throw c.Error("scale, bias, mean and variance must be constants (initializers)");
        if (c.Opset < 9 && c.Int("spatial", 1) == 0)
            throw c.Error("per-activation BatchNormalization (spatial=0) is not supported");
        if (gamma.numel() != beta.numel() || gamma.numel() != mean.numel() || gamma.numel() != variance.numel())
            throw c.Error("scale, bias, mean and variance must all have one value per channel");
        return BatchNormFolding.Coefficients(gamma, beta, mean, variance, c.Float("epsilon", 1e-5f));
    }

    public override IEnumerable<int> ReferencedValues => [Inputs[0], _scale, _shift];

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        using var scale = NormalizationOps.PerChannel(values[_scale]!, x.dim());
        using var shift = NormalizationOps.PerChannel(values[_shift]!, x.dim());
        Out(values, addcmul(shift, x, scale, 1));
    }
}

/// <summary>
/// Training-mode BatchNormalization (opset 14+ <c>training_mode=1</c>): normalises with the batch's own mean and
/// (population) variance, and gives the updated running statistics as its optional outputs.
/// </summary>
internal sealed class BatchNormTrainingOp : OnnxOp
{
    private readonly double _epsilon;
    private readonly double _momentum;

    public BatchNormTrainingOp(OpContext c) : base(c)
    {
        _epsilon = c.Float("epsilon", 1e-5f);
        _momentum = c.Float("momentum", 0.9f);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        using var scope = NewDisposeScope();
        var axes = Enumerable.Range(0, (int)x.dim()).Where(a => a != 1).Select(a => (long)a).ToArray();
        var mean = x.mean(axes);
        var variance = x.var(axes, unbiased: false);
        var rank = x.dim();
        var normalized = x.sub(NormalizationOps.PerChannel(mean, rank)).div(NormalizationOps.PerChannel(variance.add(_epsilon).sqrt(), rank));
        var y = normalized.mul(NormalizationOps.PerChannel(In(values, 1), rank)).add(NormalizationOps.PerChannel(In(values, 2), rank));
        Out(values, y.MoveToOuterDisposeScope());
        Out(values, In(values, 3).mul(_momentum).add(mean.mul(1 - _momentum)).MoveToOuterDisposeScope(), 1);
        Out(values, In(values, 4).mul(_momentum).add(variance.mul(1 - _momentum)).MoveToOuterDisposeScope(), 2);
    }
}

/// <summary>LayerNormalization (opset 17) over the axes from 'axis' on, with optional Mean and InvStdDev outputs.</summary>
internal sealed class LayerNormOp : OnnxOp
{
    private readonly long _axis;
    private readonly double _epsilon;

    public LayerNormOp(OpContext c) : base(c)
    {
        _axis = c.Int("axis", -1);
        _epsilon = c.Float("epsilon", 1e-5f);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var scale = In(values, 1);
        var bias = OptionalIn(values, 2);
        var axis = OnnxOperators.Axis(_axis, x.dim(), NodeName);
        var normalizedShape = x.shape[(int)axis..];
        var wantsStatistics = Outputs.Skip(1).Any(o => o >= 0);
        if (!wantsStatistics && scale.shape.SequenceEqual(normalizedShape) && (bias is null || bias.shape.SequenceEqual(normalizedShape)))
        {
            Out(values, F.layer_norm(x, normalizedShape, scale, bias, _epsilon));
            return;
        }
        using var scope = NewDisposeScope();
        var axes = Enumerable.Range((int)axis, (int)(x.dim() - axis)).Select(a => (long)a).ToArray();
        var mean = x.mean(axes, keepdim: true);
        var centered = x.sub(mean);
        var inverseStd = centered.square().mean(axes, keepdim: true).add(_epsilon).rsqrt();
        var y = centered.mul(inverseStd).mul(scale);
        if (bias is not null) y = y.add(bias);
        Out(values, y.MoveToOuterDisposeScope());
        Out(values, mean.MoveToOuterDisposeScope(), 1);
        Out(values, inverseStd.MoveToOuterDisposeScope(), 2);
    }
}

/// <summary>InstanceNormalization: each channel of each sample normalised over its spatial axes.</summary>
internal sealed class InstanceNormOp : OnnxOp
{
    private readonly double _epsilon;

    public InstanceNormOp(OpContext c) : base(c) => _epsilon = c.Float("epsilon", 1e-5f);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        using var scope = NewDisposeScope();
        var axes = Enumerable.Range(2, (int)x.dim() - 2).Select(a => (long)a).ToArray();
        var mean = x.mean(axes, keepdim: true);
        var centered = x.sub(mean);
        var y = centered.mul(centered.square().mean(axes, keepdim: true).add(_epsilon).rsqrt());
        var rank = x.dim();
        y = y.mul(NormalizationOps.PerChannel(In(values, 1), rank)).add(NormalizationOps.PerChannel(In(values, 2), rank));
        Out(values, y.MoveToOuterDisposeScope());
    }
}

/// <summary>Local response normalisation across channels (AlexNet, GoogLeNet).</summary>
internal sealed class LrnOp : OnnxOp
{
    private readonly long _size;
    private readonly double _alpha;
    private readonly double _beta;
    private readonly double _bias;

    public LrnOp(OpContext c) : base(c)
    {
        _size = c.Int("size", 0);
        if (_size <= 0) throw c.Error("needs a positive 'size'");
        _alpha = c.Float("alpha", 1e-4f);
        _beta = c.Float("beta", 0.75f);
        _bias = c.Float("bias", 1f);
    }

    public override void Run(Tensor?[] values)
    {
        // ONNX: square_sum[c] over channels [c − floor((size−1)/2), c + ceil((size−1)/2)];
        // y = x / (bias + alpha/size · square_sum)^beta.
        var x = In(values, 0);
        if (x.dim() != 4) throw new InvalidOperationException($"LRN node '{NodeName}' needs a 4-D input");
        using var scope = NewDisposeScope();
        var front = (_size - 1) / 2;
        var back = _size - 1 - front;
        var squares = x.square().unsqueeze(1);
        var padded = F.pad(squares, [0, 0, 0, 0, front, back]);
        var mean = F.avg_pool3d(padded, [_size, 1, 1], [1, 1, 1], [0, 0, 0], false, true).squeeze(1);
        var y = x.div(mean.mul(_alpha).add(_bias).pow(_beta));
        Out(values, y.MoveToOuterDisposeScope());
    }
}
