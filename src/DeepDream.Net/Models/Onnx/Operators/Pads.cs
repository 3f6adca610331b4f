using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>The one conversion from ONNX pad lists to torch's.</summary>
internal static class OnnxPads
{
    /// <summary>
    /// ONNX pads <c>[b1..bn, e1..en]</c> for the last n axes (begin amounts, then end amounts, first axis first) to torch's
    /// <c>(bn, en, ..., b1, e1)</c> (last axis first, begin and end paired).
    /// </summary>
    public static long[] ToTorch(ReadOnlySpan<long> pads)
    {
        if (pads.Length % 2 != 0) throw new ArgumentException($"a pad list needs an even number of values, got {pads.Length}", nameof(pads));
        var rank = pads.Length / 2;
        var list = new long[pads.Length];
        for (var i = 0; i < rank; i++)
        {
            list[2 * i] = pads[rank - 1 - i];
            list[2 * i + 1] = pads[2 * rank - 1 - i];
        }
        return list;
    }
}

/// <summary>How a convolution or pooling pads: symmetric (native padding), explicit asymmetric, or computed per input (auto_pad).</summary>
internal sealed class PadSpec
{
    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly string _autoPad;

    public PadSpec(OpContext c, long[] kernel, long[] strides, long[] dilations)
    {
        _kernel = kernel;
        _strides = strides;
        _dilations = dilations;
        _autoPad = c.String("auto_pad", "NOTSET");
        var rank = kernel.Length;
        var pads = c.Ints("pads") ?? new long[2 * rank];
        if (pads.Length != 2 * rank) throw c.Error($"'pads' needs {2 * rank} values, got {pads.Length}");
        if (_autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            IsAuto = true;
            Symmetric = new long[rank];
            return;
        }
        if (_autoPad is not ("NOTSET" or "VALID" or "")) throw c.Error($"auto_pad '{_autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        if (_autoPad == "VALID") pads = new long[2 * rank];
        if (c.Options.SymmetricPadsFromBegin)
            for (var i = 0; i < rank; i++) pads[rank + i] = pads[i];
        var symmetric = true;
        for (var i = 0; i < rank; i++) symmetric &= pads[i] == pads[rank + i];
        if (symmetric)
        {
            Symmetric = pads[..rank];
        }
        else
        {
            Symmetric = new long[rank];
            Explicit = OnnxPads.ToTorch(pads);
        }
    }

    /// <summary>Padding given to the native operator (both sides).</summary>
    public long[] Symmetric { get; }

    /// <summary>Asymmetric padding applied with F.pad first, in torch order (last dim first), or null.</summary>
    public long[]? Explicit { get; }

    public bool IsAuto { get; }

    /// <summary>True when the native operator's own padding cannot express this (asymmetric or auto).</summary>
    public bool NeedsExplicitPad => Explicit is not null || IsAuto;

    /// <summary>The explicit pad list (torch order) for an input with spatial sizes taken from <paramref name="x"/>.</summary>
    public long[] ExplicitFor(Tensor x)
    {
        if (!IsAuto) return Explicit ?? OnnxPads.ToTorch([.. Symmetric, .. Symmetric]);
        var rank = _kernel.Length;
        var pads = new long[2 * rank];
        for (var i = 0; i < rank; i++)
        {
            var size = x.shape[x.dim() - rank + i];
            var output = (size + _strides[i] - 1) / _strides[i];
            var total = Math.Max(0, (output - 1) * _strides[i] + (_kernel[i] - 1) * _dilations[i] + 1 - size);
            var begin = _autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            pads[i] = begin;
            pads[rank + i] = total - begin;
        }
        return OnnxPads.ToTorch(pads);
    }
}
