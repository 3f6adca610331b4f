using DeepDream.Features;
using static TorchSharp.torch;

namespace DeepDream.Tiling;

/// <summary>
/// How far the requested layers see: the radius, in input pixels, of the region one activation depends on. Measured, so
/// that it holds for any model: the activations at the centre of a random probe image are back-propagated to the image,
/// and the gradient's support is that region.
/// </summary>
internal static class ReceptiveField
{
    /// <summary>
    /// The radius of the layers' receptive field (the largest over the layers), or null when it reaches the border of a
    /// <paramref name="probeSide"/>-pixel probe (it may be larger) or a layer is not a feature map.
    /// </summary>
    /// <param name="model">The model, in the precision and on the device it dreams with.</param>
    /// <param name="layers">The layers.</param>
    /// <param name="probeSide">The probe's side in pixels.</param>
    public static int? Radius(IFeatureExtractor model, IReadOnlyCollection<string> layers, int probeSide)
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, probeSide, probeSide, generator: new Generator(17)).to(model.Device).requires_grad_(true);
        // Dreams run under no_grad: the probe turns gradients on for its own graph.
        using var grad = enable_grad();
        Tensor? centre = null;
        foreach (var a in model.Extract(image, layers).Values)
        {
            if (a.dim() != 4) return null;
            // Magnitudes, so that channels cannot cancel each other out.
            var sum = a[.., .., a.shape[2] / 2, a.shape[3] / 2].abs().sum();
            centre = centre is null ? sum : centre.add(sum);
        }
        if (centre is null || !centre.requires_grad) return null;
        var support = autograd.grad([centre], [image])[0].abs().sum([0, 1]).ne(0);
        var rows = support.any(1).nonzero().flatten().cpu();
        var columns = support.any(0).nonzero().flatten().cpu();
        if (rows.shape[0] == 0 || columns.shape[0] == 0) return null;
        var first = Math.Min(rows[0].item<long>(), columns[0].item<long>());
        var last = Math.Max(rows[-1].item<long>(), columns[-1].item<long>());
        if (first == 0 || last == probeSide - 1) return null;
        return (int)Math.Max(probeSide / 2 - first, last - probeSide / 2);
    }
}
