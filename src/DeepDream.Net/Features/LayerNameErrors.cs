using System.Globalization;

namespace DeepDream.Features;

/// <summary>The one wording of layer-name errors, shared by every extractor, objective and the builder.</summary>
internal static class LayerNameErrors
{
    /// <summary>How many names an error lists before saying how many more there are.</summary>
    private const int Shown = 40;

    /// <summary>"Unknown layer 'x' for model 'm'; valid layers: a, b, … (n more in the model's LayerNames)."</summary>
    public static string UnknownLayer(string model, string? layer, IReadOnlyList<string> validNames) =>
        $"Unknown layer '{layer}' for model '{model}'; valid layers: {List(validNames)}.";

    /// <summary>"Model 'm' has no default dream layer, so the objective must name one: a, b, …."</summary>
    public static string NoDefaultLayer(string model, IReadOnlyList<string> validNames) =>
        $"Model '{model}' has no default dream layer, so the objective must name one (Layer or UseObjective); its layers: {List(validNames)}.";

    private static string List(IReadOnlyList<string> validNames)
    {
        var list = string.Join(", ", validNames.Take(Shown));
        if (validNames.Count > Shown)
            list += string.Create(CultureInfo.InvariantCulture, $", … ({validNames.Count - Shown} more in the model's LayerNames)");
        return list;
    }
}
