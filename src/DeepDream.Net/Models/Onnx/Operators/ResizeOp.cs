using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx.Operators;

/// <summary>
/// Resize (opset 10+) and Upsample (opsets 7–9) on any axes, computed separably one axis at a time exactly as ONNX defines
/// them: nearest (four rounding modes), linear and cubic interpolation (with <c>cubic_coeff_a</c> and
/// <c>exclude_outside</c>), every coordinate transformation mode including <c>tf_crop_and_resize</c> with its extrapolation
/// value. Each axis is a weighted sum of gathered slices, so gradients flow to the input.
/// </summary>
internal sealed class ResizeOp : OnnxOp
{
    private enum Interpolation
    {
        Nearest,
        Linear,
        Cubic,
    }

    private readonly Interpolation _mode;
    private readonly string _transform;
    private readonly string _nearestMode;
    private readonly double _cubicA;
    private readonly bool _excludeOutside;
    private readonly double _extrapolation;
    private readonly float[]? _fixedScales;
    private readonly int _roi = -1;
    private readonly int _scales = -1;
    private readonly int _sizes = -1;

    private ResizeOp(OpContext c, bool upsample) : base(c)
    {
        var mode = c.String("mode", "nearest");
        _mode = mode switch
        {
            "nearest" => Interpolation.Nearest,
            "linear" or "bilinear" or "trilinear" => Interpolation.Linear,
            "cubic" or "bicubic" => Interpolation.Cubic,
            _ => throw c.Error($"mode '{mode}' is not one of nearest, linear, cubic"),
        };
        var legacy = upsample || c.Opset < 11;
        _transform = legacy ? "asymmetric" : c.String("coordinate_transformation_mode", "half_pixel");
        if (_transform is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"))
            throw c.Error($"coordinate_transformation_mode '{_transform}' is not supported");
        _nearestMode = legacy ? "floor" : c.String("nearest_mode", "round_prefer_floor");
        if (_nearestMode is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw c.Error($"nearest_mode '{_nearestMode}' is not supported");
        _cubicA = c.Float("cubic_coeff_a", -0.75f);
        _excludeOutside = c.Int("exclude_outside", 0) == 1;
        _extrapolation = c.Float("extrapolation_value", 0f);
        if (c.Has("antialias") && c.Int("antialias", 0) != 0) throw c.Error("antialias is not supported");
        if (c.Has("axes")) throw c.Error("the 'axes' attribute is not supported");
        if (upsample && c.Opset < 9)
        {
            _fixedScales = c.Floats("scales") ?? throw c.Error("needs a 'scales' attribute");
        }
        else if (legacy)
        {
            _scales = c.InputIds[1];
        }
        else
        {
            _roi = c.HasInput(1) ? c.InputIds[1] : -1;
            _scales = c.HasInput(2) ? c.InputIds[2] : -1;
            _sizes = c.HasInput(3) ? c.InputIds[3] : -1;
        }
    }

    public static void Register(Dictionary<string, OpFactory> table)
    {
        table["Resize"] = c => new ResizeOp(c, upsample: false);
        table["Upsample"] = c => new ResizeOp(c, upsample: true);
    }

    public override void Run(Tensor?[] values)
    {
        var x = In(values, 0);
        var rank = (int)x.dim();
        var (outSizes, scales, resized) = Targets(values, x);
        var roi = _roi >= 0 && values[_roi] is { } r && r.numel() > 0 ? HostInts.ReadDoubles(r) : null;
        using var scope = NewDisposeScope();
        var y = x;
        for (var axis = 0; axis < rank; axis++)
        {
            var (start, end) = roi is not null && roi.Length == 2 * rank ? (roi[axis], roi[rank + axis]) : (0.0, 1.0);
            if (outSizes[axis] == x.shape[axis] && scales[axis] == 1 && _transform != "tf_crop_and_resize") continue;
            y = ResizeAxis(y, axis, outSizes[axis], scales[axis], resized[axis], start, end);
        }
        Out(values, y.alias().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Output size and scale per axis, from 'sizes' (scale = out/in) or 'scales' (out = floor(in·scale)), and the unrounded
    /// resized length (in·scale with scales) that ONNX's align_corners and crop-and-resize transforms divide by.
    /// </summary>
    private (long[] Sizes, double[] Scales, double[] Resized) Targets(Tensor?[] values, Tensor x)
    {
        var rank = (int)x.dim();
        var sizesTensor = _sizes >= 0 ? values[_sizes] : null;
        if (sizesTensor is not null && sizesTensor.numel() > 0)
        {
            var sizes = HostInts.Read(sizesTensor);
            if (sizes.Length != rank) throw new InvalidOperationException($"{OpType} node '{NodeName}' has {sizes.Length} sizes for a rank-{rank} input");
            return (sizes, [.. sizes.Select((s, i) => (double)s / x.shape[i])], [.. sizes.Select(s => (double)s)]);
        }
        var scaleValues = _fixedScales?.Select(f => (double)f).ToArray()
            ?? (_scales >= 0 && values[_scales] is { } s && s.numel() > 0 ? HostInts.ReadDoubles(s) : null)
            ?? throw new InvalidOperationException($"{OpType} node '{NodeName}' has neither scales nor sizes");
        if (scaleValues.Length != rank) throw new InvalidOperationException($"{OpType} node '{NodeName}' has {scaleValues.Length} scales for a rank-{rank} input");
        // The scale is applied in float32, as ONNX's reference and runtimes do, before flooring.
        return ([.. scaleValues.Select((sc, i) => (long)Math.Floor((float)(x.shape[i] * (float)sc)))], scaleValues,
            [.. scaleValues.Select((sc, i) => x.shape[i] * sc)]);
    }

    private Tensor ResizeAxis(Tensor x, int axis, long outSize, double scale, double resized, double roiStart, double roiEnd)
    {
        var inSize = x.shape[axis];
        var taps = _mode switch { Interpolation.Nearest => 1, Interpolation.Linear => 2, _ => 4 };
        var index = new long[taps][];
        var weight = new float[taps][];
        for (var k = 0; k < taps; k++)
        {
            index[k] = new long[outSize];
            weight[k] = new float[outSize];
        }
        var outside = new bool[outSize];
        for (var j = 0; j < outSize; j++)
        {
            var source = SourceCoordinate(j, inSize, resized, scale, roiStart, roiEnd);
            if (_transform == "tf_crop_and_resize" && (source < 0 || source > inSize - 1))
            {
                outside[j] = true;
                continue;
            }
            var floor = Math.Floor(source);
            var ratio = source - floor;
            var x0 = (long)floor;
            switch (_mode)
            {
                case Interpolation.Nearest:
                    index[0][j] = Clamp(ratio == 0 ? x0 : x0 + (RoundsUp(ratio) ? 1 : 0), inSize);
                    weight[0][j] = 1;
                    break;
                case Interpolation.Linear:
                    index[0][j] = Clamp(x0, inSize);
                    index[1][j] = Clamp(x0 + 1, inSize);
                    weight[0][j] = (float)(1 - ratio);
                    weight[1][j] = (float)ratio;
                    break;
                default:
                    var coefficients = CubicCoefficients(ratio);
                    var sum = 0.0;
                    for (var k = 0; k < 4; k++)
                    {
                        var position = x0 - 1 + k;
                        if (_excludeOutside && (position < 0 || position >= inSize)) coefficients[k] = 0;
                        sum += coefficients[k];
                    }
                    for (var k = 0; k < 4; k++)
                    {
                        index[k][j] = Clamp(x0 - 1 + k, inSize);
                        weight[k][j] = (float)(_excludeOutside ? coefficients[k] / sum : coefficients[k]);
                    }
                    break;
            }
        }
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[axis] = outSize;
        Tensor? y = null;
        for (var k = 0; k < taps; k++)
        {
            var gathered = x.index_select(axis, tensor(index[k], device: x.device));
            var term = taps == 1 ? gathered : gathered.mul(tensor(weight[k], device: x.device).to_type(x.dtype).reshape(shape));
            y = y is null ? term : y.add(term);
        }
        if (outside.Any(o => o))
        {
            var mask = tensor(outside, device: x.device).reshape(shape);
            y = where(mask, full_like(y!, _extrapolation), y!);
        }
        return y!;
    }

    private double SourceCoordinate(long j, long inSize, double resized, double scale, double roiStart, double roiEnd) => _transform switch
    {
        "half_pixel" => (j + 0.5) / scale - 0.5,
        "pytorch_half_pixel" => resized > 1 ? (j + 0.5) / scale - 0.5 : 0,
        "align_corners" => resized == 1 ? 0 : j * (inSize - 1) / (resized - 1),
        "tf_half_pixel_for_nn" => (j + 0.5) / scale,
        "tf_crop_and_resize" => resized > 1
            ? roiStart * (inSize - 1) + j * (roiEnd - roiStart) * (inSize - 1) / (resized - 1)
            : 0.5 * (roiStart + roiEnd) * (inSize - 1),
        _ => j / scale,
    };

    private bool RoundsUp(double ratio) => _nearestMode switch
    {
        "round_prefer_ceil" => ratio >= 0.5,
        "floor" => false,
        "ceil" => true,
        _ => ratio > 0.5,
    };

    /// <summary>Keys' cubic convolution weights for taps at −1, 0, +1, +2 around the source position.</summary>
    private double[] CubicCoefficients(double t)
    {
        var a = _cubicA;
        double Near(double d) => ((a + 2) * d - (a + 3)) * d * d + 1;
        double Far(double d) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        return [Far(t + 1), Near(t), Near(1 - t), Far(2 - t)];
    }

    private static long Clamp(long i, long size) => Math.Clamp(i, 0, size - 1);
}
