using DeepDream.Performance;

namespace DeepDream.Cli;

/// <summary>
/// The <c>settings</c> of a sequence's <c>--json</c> report: the job's settings under <c>dream --json</c>'s names
/// (camelCase), with the settings <c>dream</c> reports given as <c>dream</c> gives them — numbers, <c>precision</c> as
/// <c>fp32</c>/<c>bf16</c>, <c>tileSize</c> resolved with <c>tileSizeAutomatic</c> beside it.
/// </summary>
internal static class SequenceReportSettings
{
    /// <summary>The report's settings, in the job's order.</summary>
    /// <param name="job">The job's settings (kebab-case names, text values, as in its manifest).</param>
    /// <param name="dream">The dream options of this run (equal to the job's: a run with others is refused).</param>
    public static IReadOnlyDictionary<string, object> From(IReadOnlyDictionary<string, string> job, DreamOptionValues dream)
    {
        var settings = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in job)
        {
            switch (key)
            {
                case "octaves": settings["octaves"] = dream.Octaves; break;
                case "octave-scale": settings["octaveScale"] = dream.OctaveScale; break;
                case "steps": settings["steps"] = dream.Steps; break;
                case "step-size": settings["stepSize"] = dream.StepSize; break;
                case "jitter": settings["jitter"] = dream.Jitter; break;
                case "precision": settings["precision"] = dream.Precision.ShortName(); break;
                case "tile-size":
                    settings["tileSize"] = new DreamSettings { TileSize = dream.TileSize, Precision = dream.Precision }.ResolveTileSize();
                    settings["tileSizeAutomatic"] = dream.TileSize is null;
                    break;
                default: settings[CamelCase(key)] = value; break;
            }
        }
        return settings;
    }

    /// <summary><c>octave-scale</c> → <c>octaveScale</c>.</summary>
    internal static string CamelCase(string kebab)
    {
        var parts = kebab.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}
