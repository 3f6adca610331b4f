using System.Globalization;

namespace DeepDream.Features;

/// <summary>The one wording of "unknown layer" errors, shared by every extractor and objective.</summary>
internal static class LayerNameErrors
{
    /// <summary>How many names an error lists before pointing to the full listing.</summary>
    private const int Shown = 40;

    /// <summary>"Unknown layer 'x' for model 'm'; valid layers: a, b, … (n more; list them with `deepdream layers`)."</summary>
    public static string UnknownLayer(string model, string? layer, IReadOnlyList<string> validNames)
    {
        var list = string.Join(", ", validNames.Take(Shown));
        if (validNames.Count > Shown)
            list += string.Create(CultureInfo.InvariantCulture, $", … ({validNames.Count - Shown} more; list them with `deepdream layers` or ListLayers)");
        return $"Unknown layer '{layer}' for model '{model}'; valid layers: {list}.";
    }
}
