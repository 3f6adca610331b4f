namespace DeepDream.Features;

/// <summary>
/// The default dream layer of a model that does not name one itself (an imported ONNX graph, your own module): on a
/// 224×224 probe, the deepest layer whose activation is 4-D, has more than 3 channels and keeps at least 1/16 of the
/// input's resolution (both sides at least 14). That is the end of the stride-16 stage, where classic deep dream layers
/// sit (ResNet's <c>layer3</c>, GoogLeNet's <c>inception4e</c>): past it the network sees whole objects at 7×7, before it
/// mostly textures. Module paths prefer whole blocks: among the candidates, only those with the fewest dots count.
/// </summary>
internal static class DefaultLayerRule
{
    /// <summary>The probe's side in pixels.</summary>
    public const int ProbeSize = 224;

    /// <summary>The largest stride (input side / activation side) a default layer may have.</summary>
    public const int MaxStride = 16;

    /// <summary>Picks the default layer from a listing at <see cref="ProbeSize"/>, or null when no layer qualifies.</summary>
    /// <param name="layers">The layers in forward order with their shapes at <see cref="ProbeSize"/>×<see cref="ProbeSize"/>.</param>
    /// <param name="preferBlocks">Whether names are module paths (<c>layer3.1.conv2</c>), so that whole blocks win over their parts.</param>
    /// <param name="isStageBoundary">
    /// For graphs: whether a layer is one that every later computation goes through (not a value inside a residual block
    /// or an Inception branch). When some candidates are, only they count.
    /// </param>
    public static string? Pick(IReadOnlyList<LayerInfo> layers, bool preferBlocks, Func<string, bool>? isStageBoundary = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var candidates = layers.Where(IsCandidate).ToList();
        if (candidates.Count == 0) return null;
        if (isStageBoundary is not null && candidates.Where(c => isStageBoundary(c.Name)).ToList() is { Count: > 0 } boundaries) candidates = boundaries;
        if (preferBlocks)
        {
            var depth = candidates.Min(c => Depth(c.Name));
            candidates = candidates.Where(c => Depth(c.Name) == depth).ToList();
        }
        return candidates[^1].Name;
    }

    /// <summary>Whether a layer is 4-D, has more than 3 channels and keeps at least 1/16 of the probe's side.</summary>
    public static bool IsCandidate(LayerInfo layer)
    {
        const int minimumSide = ProbeSize / MaxStride;
        return layer.Shape.Count == 4 && layer.Shape[1] > 3 && layer.Shape[2] >= minimumSide && layer.Shape[3] >= minimumSide;
    }

    private static int Depth(string path) => path.Count(c => c == '.');
}
