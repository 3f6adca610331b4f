using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>Convolution (1-, 2- and 3-D).</summary>
internal static class ConvOps
{
    public static void Register(Dictionary<string, OpFactory> table) => table["Conv"] = c => new ConvOp(c);
}

/// <summary>Conv with group, dilation, stride, symmetric, asymmetric or automatic padding; the weight may be BatchNorm-folded.</summary>
internal sealed class ConvOp : OnnxOp
{
    private readonly int _weight;
    private readonly int _bias;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly long _groups;
    private readonly long _inputChannels;
    private readonly PadSpec _pads;

    public ConvOp(OpContext c, int? foldedWeight = null, int? foldedBias = null) : base(c)
    {
        var weight = c.ConstantInput(1);
        var kernel = c.Ints("kernel_shape") ?? (weight is not null ? weight.shape[2..] : throw c.Error("needs 'kernel_shape' when the weight is not a constant"));
        var rank = kernel.Length;
        if (rank is < 1 or > 3) throw c.Error($"only 1-, 2- and 3-D convolutions are supported (this one has {rank} spatial dimensions)");
        if (weight is not null && weight.dim() != rank + 2)
            throw c.Error($"the weight has shape [{string.Join(", ", weight.shape)}], which does not fit a {rank}-D convolution");
        _strides = c.Ints("strides") ?? Ones(rank);
        _dilations = c.Ints("dilations") ?? Ones(rank);
        if (_strides.Length != rank || _dilations.Length != rank) throw c.Error($"'strides' and 'dilations' need {rank} values each");
        _groups = c.Int("group", 1);
        _inputChannels = weight is not null ? weight.shape[1] * _groups : -1;
        _pads = new PadSpec(c, kernel, _strides, _dilations);
        _weight = foldedWeight ?? c.InputIds[1];
        _bias = foldedBias ?? (c.HasInput(2) ? c.InputIds[2] : -1);
    }

    /// <summary>Value id of the (possibly BatchNorm-folded) weight.</summary>
    public int WeightId => _weight;

    /// <summary>Value id of the (possibly BatchNorm-folded) bias, or -1.</summary>
    public int BiasId => _bias;

    /// <summary>Strides, native (symmetric) padding, dilations and groups as given to <c>conv2d</c>.</summary>
    public (long[] Strides, long[] Padding, long[] Dilations, long Groups) Geometry => (_strides, _pads.Symmetric, _dilations, _groups);

    /// <summary>Whether an explicit <c>F.pad</c> runs before the convolution.</summary>
    public bool NeedsExplicitPad => _pads.NeedsExplicitPad;

    public override IEnumerable<int> ReferencedValues => new[] { Inputs[0], _weight, _bias }.Where(i => i >= 0);

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var w = values[_weight]!;
        var b = _bias >= 0 ? values[_bias] : null;
        if (x.dim() != _strides.Length + 2)
            throw new InvalidOperationException($"Conv node '{NodeName}' needs a rank-{_strides.Length + 2} input (N×C×spatial), got shape [{string.Join(", ", x.shape)}]");
        var channels = _inputChannels > 0 ? _inputChannels : w.shape[1] * _groups;
        if (x.shape[1] != channels)
            throw new OnnxStructureException(
                $"Conv node '{NodeName}': its weight [{string.Join(", ", w.shape)}] (group {_groups}) expects {channels} input channels, but its input has {x.shape[1]} (shape [{string.Join(", ", x.shape)}])");
        if (_pads.NeedsExplicitPad) x = F.pad(x, _pads.ExplicitFor(x));
        var y = _strides.Length switch
        {
            1 => F.conv1d(x, w, b, _strides[0], _pads.Symmetric[0], _dilations[0], _groups),
            2 => Performance.InputConvolution.Conv2d(x, w, b, _strides, _pads.Symmetric, _dilations, _groups),
            _ => F.conv3d(x, w, b, _strides, _pads.Symmetric, _dilations, _groups),
        };
        Out(values, y);
    }

    private static long[] Ones(int n) => [.. Enumerable.Repeat(1L, n)];
}
