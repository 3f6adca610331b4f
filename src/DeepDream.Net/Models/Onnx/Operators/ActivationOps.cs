using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Activation functions (ReLU family, hard and smooth gates, GELU), Clip and the softmax family.</summary>
internal static class ActivationOps
{
    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Relu"] = c => new UnaryOp(c, x => F.relu(x));
        table["Sigmoid"] = c => new UnaryOp(c, x => x.sigmoid());
        table["Tanh"] = c => new UnaryOp(c, x => x.tanh());
        table["LeakyRelu"] = c =>
        {
            var alpha = c.Float("alpha", 0.01f);
            return new UnaryOp(c, x => F.leaky_relu(x, alpha));
        };
        table["Elu"] = c =>
        {
            var alpha = (double)c.Float("alpha", 1f);
            return new UnaryOp(c, x => where(x.gt(0), x, x.exp().sub(1).mul(alpha)));
        };
        table["Selu"] = c =>
        {
            var alpha = (double)c.Float("alpha", 1.67326319217681884765625f);
            var gamma = (double)c.Float("gamma", 1.05070102214813232421875f);
            return new UnaryOp(c, x => where(x.gt(0), x, x.exp().sub(1).mul(alpha)).mul(gamma));
        };
        table["Celu"] = c =>
        {
            var alpha = (double)c.Float("alpha", 1f);
            return new UnaryOp(c, x => x.clamp_min(0).add(x.div(alpha).exp().sub(1).mul(alpha).clamp_max(0)));
        };
        table["ThresholdedRelu"] = c =>
        {
            var alpha = (double)c.Float("alpha", 1f);
            return new UnaryOp(c, x => where(x.gt(alpha), x, zeros_like(x)));
        };
        table["PRelu"] = c =>
        {
            // Before opset 7 a 1-D slope with one value per channel applies along axis 1; from opset 7 it broadcasts.
            var perChannel = c.Opset < 7;
            return new BinaryOp(c, (x, slope) =>
            {
                if (perChannel && slope.dim() == 1 && slope.numel() > 1 && x.dim() >= 2) slope = NormalizationOps.PerChannel(slope, x.dim());
                return where(x.lt(0), x.mul(slope), x);
            }, legacyBroadcast: false);
        };
        // HardSigmoid: max(0, min(1, alpha·x + beta)); PyTorch exports hardsigmoid with alpha = 1/6.
        table["HardSigmoid"] = c =>
        {
            var alpha = (double)c.Float("alpha", 0.2f);
            var beta = (double)c.Float("beta", 0.5f);
            return new UnaryOp(c, x => x.mul(alpha).add(beta).clamp(0, 1));
        };
        table["HardSwish"] = c => new UnaryOp(c, x => x.mul(x.div(6).add(0.5).clamp(0, 1)));
        table["Softplus"] = c => new UnaryOp(c, x => F.softplus(x));
        table["Softsign"] = c => new UnaryOp(c, x => x.div(x.abs().add(1)));
        table["Mish"] = c => new UnaryOp(c, x => x.mul(F.softplus(x).tanh()));
        table["Gelu"] = c => Gelu(c);
        table["Clip"] = c => new ClipOp(c);
        table["Softmax"] = c => new SoftmaxOp(c, log: false);
        table["LogSoftmax"] = c => new SoftmaxOp(c, log: true);
    }

    private static UnaryOp Gelu(OpContext c)
    {
        var approximate = c.String("approximate", "none");
        return approximate switch
        {
            // 0.5·x·(1 + erf(x/√2))
            "none" => new UnaryOp(c, x => x.mul(x.mul(1 / Math.Sqrt(2)).erf().add(1)).mul(0.5)),
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            "tanh" => new UnaryOp(c, x => x.mul(x.pow(3).mul(0.044715).add(x).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1)).mul(0.5)),
            _ => throw c.Error($"approximate '{approximate}' is not one of none, tanh"),
        };
    }
}

/// <summary>Clip with bounds from attributes (before opset 11) or inputs (constant or computed).</summary>
internal sealed class ClipOp : OnnxOp
{
    private readonly double _min;
    private readonly double _max;
    private readonly bool _dynamicMin;
    private readonly bool _dynamicMax;

    public ClipOp(OpContext c) : base(c)
    {
        if (c.Opset < 11)
        {
            _min = c.Float("min", float.NegativeInfinity);
            _max = c.Float("max", float.PositiveInfinity);
        }
        else
        {
            _min = c.ConstantScalar(1) ?? double.NegativeInfinity;
            _max = c.ConstantScalar(2) ?? double.PositiveInfinity;
            _dynamicMin = c.HasInput(1) && c.ConstantInput(1) is null;
            _dynamicMax = c.HasInput(2) && c.ConstantInput(2) is null;
        }
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        if (!_dynamicMin && !_dynamicMax)
        {
            Out(values, x.clamp(_min, _max));
            return;
        }
        using var scope = NewDisposeScope();
        var y = x.clamp(_dynamicMin ? double.NegativeInfinity : _min, _dynamicMax ? double.PositiveInfinity : _max);
        if (_dynamicMin) y = maximum(y, In(values, 1).to(x.device));
        if (_dynamicMax) y = minimum(y, In(values, 2).to(x.device));
        Out(values, y.MoveToOuterDisposeScope());
    }
}

/// <summary>Softmax and LogSoftmax; before opset 13 over the input flattened to 2-D at 'axis'.</summary>
internal sealed class SoftmaxOp : OnnxOp
{
    private readonly long _axis;
    private readonly bool _coerce;
    private readonly bool _log;

    public SoftmaxOp(OpContext c, bool log) : base(c)
    {
        _log = log;
        _coerce = c.Opset < 13;
        _axis = c.Int("axis", _coerce ? 1 : -1);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var axis = OnnxOperators.Axis(_axis, x.dim(), NodeName);
        if (!_coerce || axis == x.dim() - 1)
        {
            Out(values, _log ? x.log_softmax(axis) : x.softmax(axis));
            return;
        }
        // Before opset 13 the input is seen as 2-D [prod(d0..axis-1), prod(axis..)] and normalised over the second.
        long outer = 1;
        for (var i = 0; i < axis; i++) outer *= x.shape[i];
        using var flat = x.reshape(outer, -1);
        using var soft = _log ? flat.log_softmax(1) : flat.softmax(1);
        Out(values, soft.reshape(x.shape));
    }
}
