using DeepDream.Diagnostics;
using DeepDream.Features;
using DeepDream.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tiling;

/// <summary>
/// Computes ∂J/∂image: the truncated forward pass to the objective's layers, the objective's layer gradients, and one
/// backward pass to the image. Images that <paramref name="sizing"/> tiles under the memory budget passed in (read once
/// per octave with <see cref="ReadTileBudget"/>) are processed tile by tile (<see cref="TilePlan"/>, with no more context
/// than the layers' receptive field needs) and the core of each tile's gradient is written into one gradient for the
/// whole image.
/// </summary>
internal sealed class GradientComputer(IFeatureExtractor model, IObjectiveEvaluator objective, IReadOnlyList<string> layers, TileSizing sizing)
{
    /// <summary>The largest probe for the receptive field: enough for ResNet18's layer4 (radius about 220 px).</summary>
    private const int MaxProbeSide = 512;

    /// <summary>A computer with a fixed tile side (tests and benchmarks).</summary>
    public GradientComputer(IFeatureExtractor model, IObjectiveEvaluator objective, IReadOnlyList<string> layers, int tileSize)
        : this(model, objective, layers, TileSizing.Fixed(tileSize))
    {
    }

    // Measured on the first tiled octave only; a thread that races it measures the same value.
    private int? _receptiveRadius;
    private bool _receptiveRadiusKnown;

    /// <summary>The model's name, for messages.</summary>
    public string ModelName => model.Name;

    /// <summary>The number type the model computes in, for messages.</summary>
    public Precision Precision => model.Precision;

    /// <summary>
    /// The memory budget for the tiles, read now (the machine's available memory, unless the settings fix the budget or
    /// the tile size). Read once per octave and passed to each of its steps, so that they all share one tile plan.
    /// </summary>
    public long ReadTileBudget() => sizing.Budget();

    /// <summary>One gradient with the budget read now (single gradients: tests and benchmarks).</summary>
    /// <param name="image">N×3×H×W image; not modified.</param>
    /// <param name="wantValue">Whether to compute the objective's value.</param>
    public (Tensor Gradient, Tensor? Value) Compute(Tensor image, bool wantValue) => Compute(image, ReadTileBudget(), wantValue);

    /// <summary>Returns the gradient (same shape as <paramref name="image"/>) and, if asked, the objective's value.</summary>
    /// <param name="image">N×3×H×W image; not modified.</param>
    /// <param name="tileBudget">The octave's memory budget (<see cref="ReadTileBudget"/>): with the image's size, it alone decides the tiles.</param>
    /// <param name="wantValue">Whether to compute the objective's value (a reduction; skipped when nobody reads it).</param>
    /// <param name="cancellationToken">Checked before every tile, so that a cancel takes effect within one tile, not one step.</param>
    public (Tensor Gradient, Tensor? Value) Compute(Tensor image, long tileBudget, bool wantValue, CancellationToken cancellationToken = default)
    {
        var side = sizing.SideFor((int)image.shape[2], (int)image.shape[3], tileBudget);
        try
        {
            return ComputeTiled(image, side, wantValue, cancellationToken);
        }
        catch (Exception e) when (NativeErrors.IsNative(e))
        {
            // Native failures here are almost always memory: say what to change instead of surfacing libtorch's trace.
            throw NativeErrors.Wrap($"The gradient pass of '{model.Name}' failed on a {image.shape[3]}×{image.shape[2]} image with {side} px tiles", e,
                "If memory ran out, use a smaller tile size.");
        }
    }

    private (Tensor Gradient, Tensor? Value) ComputeTiled(Tensor image, int side, bool wantValue, CancellationToken cancellationToken)
    {
        int height = (int)image.shape[2], width = (int)image.shape[3];
        if (height <= side && width <= side) return ComputeWhole(image, wantValue);
        var plan = TilePlan.Create(height, width, side, ReceptiveRadius(side));

        var gradient = zeros_like(image);
        Tensor? total = null;
        foreach (var row in plan.Rows)
        {
            foreach (var column in plan.Columns)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var crop = image.narrow(2, row.CropStart, row.CropLength).narrow(3, column.CropStart, column.CropLength);
                var (g, value) = ComputeWhole(crop, wantValue);
                var core = g.narrow(2, row.Start - row.CropStart, row.Length).narrow(3, column.Start - column.CropStart, column.Length);
                gradient.narrow(2, row.Start, row.Length).narrow(3, column.Start, column.Length).copy_(core);
                if (value is not null)
                {
                    total = total is null ? value.MoveToOuterDisposeScope() : total.add_(value);
                }
            }
        }
        return (gradient, total);
    }

    private int? ReceptiveRadius(int tileSide)
    {
        if (!Volatile.Read(ref _receptiveRadiusKnown))
        {
            _receptiveRadius = ReceptiveField.Radius(model, layers, Math.Min(tileSide, MaxProbeSide));
            Volatile.Write(ref _receptiveRadiusKnown, true);
        }
        return _receptiveRadius;
    }

    private (Tensor Gradient, Tensor? Value) ComputeWhole(Tensor image, bool wantValue)
    {
        var leaf = image.detach().requires_grad_(true);
        IReadOnlyDictionary<string, Tensor> activations;
        using (enable_grad())
        {
            activations = model.Extract(leaf, layers);
        }

        var gradients = new LayerGradients();
        Tensor? value;
        using (no_grad())
        {
            objective.AccumulateGradients(activations, 1.0, gradients);
            value = wantValue ? objective.Value(activations) : null;
        }

        var outputs = gradients.Layers.Select(l => activations[l]).ToList();
        var gradOutputs = gradients.Layers.Select(l => gradients[l]).ToList();
        var g = torch.autograd.grad(outputs, [leaf], gradOutputs)[0];
        return (g, value);
    }
}
