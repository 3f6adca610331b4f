using static TorchSharp.torch;

namespace DeepDream.Benchmarks;

/// <summary>
/// The raw-convolution baseline: each convolution shape on its own through <c>F.conv2d</c> (random input, weights and
/// bias of the exact shapes; weights frozen), then the gradient with respect to its input with <c>autograd.grad</c> —
/// the arithmetic the dream step cannot avoid, with nothing else around it.
/// </summary>
internal sealed class ConvBaseline : IDisposable
{
    private readonly List<(ConvShape Shape, Tensor X, Tensor W, Tensor? B, Tensor Gy)> _cases = [];

    public ConvBaseline(IEnumerable<ConvShape> shapes, Performance.ComputeFormat? format = null)
    {
        var generator = new Generator(1234);
        format ??= new Performance.ComputeFormat(ScalarType.Float32, ChannelsLast: false);
        foreach (var s in shapes)
        {
            using var scope = NewDisposeScope();
            var x = format.Weight(randn(s.Input, generator: generator)).requires_grad_(true).DetachFromDisposeScope();
            var w = format.Weight(randn(s.Weight, generator: generator).mul_(0.05)).DetachFromDisposeScope();
            var b = s.HasBias ? format.Weight(randn(s.Weight[0], generator: generator)).DetachFromDisposeScope() : null;
            var gy = format.Weight(randn(s.Output, generator: generator)).DetachFromDisposeScope();
            _cases.Add((s, x, w, b, gy));
        }
        Shapes = [.. _cases.Select(c => c.Shape)];
    }

    public IReadOnlyList<ConvShape> Shapes { get; }

    /// <summary>Forward + input-gradient FLOPs of one <see cref="Run"/>.</summary>
    public double Flops => Shapes.Sum(s => s.ForwardAndInputGradientFlops);

    /// <summary>Runs every convolution forward and back to its input once.</summary>
    public void Run()
    {
        foreach (var (s, x, w, b, gy) in _cases)
        {
            using var scope = NewDisposeScope();
            var y = nn.functional.conv2d(x, w, b, s.Strides, s.Padding, s.Dilations, s.Groups);
            _ = autograd.grad([y], [x], [gy]);
        }
    }

    /// <summary>Runs one convolution forward (and back, when <paramref name="backward"/>) once.</summary>
    public void RunOne(int index, bool backward)
    {
        var (s, x, w, b, gy) = _cases[index];
        using var scope = NewDisposeScope();
        if (!backward)
        {
            using var noGrad = no_grad();
            _ = nn.functional.conv2d(x, w, b, s.Strides, s.Padding, s.Dilations, s.Groups);
            return;
        }
        var y = nn.functional.conv2d(x, w, b, s.Strides, s.Padding, s.Dilations, s.Groups);
        _ = autograd.grad([y], [x], [gy]);
    }

    public void Dispose()
    {
        foreach (var (_, x, w, b, gy) in _cases)
        {
            x.Dispose();
            w.Dispose();
            b?.Dispose();
            gy.Dispose();
        }
        _cases.Clear();
    }
}
