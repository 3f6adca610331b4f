using DeepDream.Diagnostics;
using DeepDream.Features;
using DeepDream.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tiling;

/// <summary>
/// Computes ∂J/∂image: the truncated forward pass to the objective's layers, the objective's layer gradients, and one
/// backward pass to the image. Images larger than the tile size are processed tile by tile (<see cref="TilePlan"/>) and
/// the core of each tile's gradient is written into one gradient for the whole image.
/// </summary>
internal sealed class GradientComputer(IFeatureExtractor model, IObjectiveEvaluator objective, IReadOnlyList<string> layers, int tileSize)
{
    /// <summary>The largest tile side the model sees.</summary>
    public int TileSize => tileSize;

    /// <summary>The model's name, for messages.</summary>
    public string ModelName => model.Name;

    /// <summary>Returns the gradient (same shape as <paramref name="image"/>) and, if asked, the objective's value.</summary>
    /// <param name="image">N×3×H×W image; not modified.</param>
    /// <param name="wantValue">Whether to compute the objective's value (a reduction; skipped when nobody reads it).</param>
    /// <param name="cancellationToken">Checked before every tile, so that a cancel takes effect within one tile, not one step.</param>
    public (Tensor Gradient, Tensor? Value) Compute(Tensor image, bool wantValue, CancellationToken cancellationToken = default)
    {
        try
        {
            return ComputeTiled(image, wantValue, cancellationToken);
        }
        catch (Exception e) when (NativeErrors.IsNative(e))
        {
            // Native failures here are almost always memory: say what to change instead of surfacing libtorch's trace.
            throw NativeErrors.Wrap($"The gradient pass of '{model.Name}' failed on a {image.shape[3]}×{image.shape[2]} image with {tileSize} px tiles", e,
                "If memory ran out, use a smaller tile size.");
        }
    }

    private (Tensor Gradient, Tensor? Value) ComputeTiled(Tensor image, bool wantValue, CancellationToken cancellationToken)
    {
        var plan = TilePlan.Create((int)image.shape[2], (int)image.shape[3], tileSize);
        if (plan.IsSingleTile) return ComputeWhole(image, wantValue);

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
