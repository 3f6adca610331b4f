using System.Globalization;

namespace DeepDream.Cli;

/// <summary>One <c>--layer NAME[=WEIGHT]</c> value.</summary>
internal sealed record LayerTerm(string Name, double Weight);

/// <summary>Parsers for the option values System.CommandLine leaves as text; each throws <see cref="UsageException"/> naming the option.</summary>
internal static class ValueParsers
{
    /// <summary>The largest channel index accepted (no layer has more channels), which also bounds a list's length.</summary>
    private const int MaxChannelIndex = 65535;

    /// <summary>The largest side --size accepts: listing layers runs the model at that size (1536² stays under 2 GB for resnet18).</summary>
    internal const int MaxListSize = 1536;

    /// <summary>A finite number in invariant notation (<c>1.4</c>, <c>4.5e-3</c>).</summary>
    public static double ParseDouble(string text, string option)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new UsageException($"Option {option} expects a number such as 1.5, got '{Shorten(text)}'.");
        return value;
    }

    /// <summary><c>NAME</c> or <c>NAME=WEIGHT</c>; duplicates are rejected.</summary>
    public static IReadOnlyList<LayerTerm> ParseLayers(IReadOnlyList<string> values)
    {
        var terms = new List<LayerTerm>();
        foreach (var raw in values)
        {
            var text = raw.Trim();
            var eq = text.LastIndexOf('=');
            var name = eq < 0 ? text : text[..eq].Trim();
            var weight = eq < 0 ? 1.0 : ParseDouble(text[(eq + 1)..].Trim(), "--layer");
            if (name.Length == 0) throw new UsageException($"Option --layer expects NAME or NAME=WEIGHT, got '{Shorten(raw)}'.");
            if (Math.Abs(weight) > float.MaxValue)
                throw new UsageException($"Option --layer expects a weight within float32's range (at most ±3.4e38), got '{Shorten(raw)}'.");
            if (terms.Any(t => t.Name == name)) throw new UsageException($"Layer '{name}' is given twice in --layer; give each layer once (use NAME=WEIGHT to weight it).");
            terms.Add(new LayerTerm(name, weight));
        }
        return terms;
    }

    /// <summary>A channel list such as <c>0-15,42</c>: indices and inclusive ranges, distinct, in the order given.</summary>
    public static IReadOnlyList<int> ParseChannels(string text)
    {
        var result = new List<int>();
        var seen = new HashSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) throw BadChannels(text, "it has an empty entry");
            var dash = part.IndexOf('-', 1);
            int first, last;
            if (dash < 0)
            {
                first = last = ParseChannel(part, text);
            }
            else
            {
                first = ParseChannel(part[..dash].Trim(), text);
                last = ParseChannel(part[(dash + 1)..].Trim(), text);
                if (last < first) throw BadChannels(text, $"the range {part} runs backwards");
            }
            for (var c = first; c <= last; c++)
            {
                if (!seen.Add(c)) throw BadChannels(text, $"channel {c} appears twice");
                result.Add(c);
            }
        }
        return result;
    }

    /// <summary><c>WxH</c>, e.g. <c>224x224</c>.</summary>
    public static (int Width, int Height) ParseSize(string text, string option)
    {
        var parts = text.ToLowerInvariant().Split('x', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && w > 0 && h > 0)
        {
            if (w > MaxListSize || h > MaxListSize)
                throw new UsageException($"Option {option} is at most {MaxListSize}x{MaxListSize} (the model runs at that size), got '{text}'.");
            return (w, h);
        }
        throw new UsageException($"Option {option} expects WIDTHxHEIGHT in pixels, such as 224x224, got '{Shorten(text)}'.");
    }

    /// <summary>Three comma-separated numbers (<c>R,G,B</c>).</summary>
    public static float[] ParseTriple(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3) throw new UsageException($"Option {option} expects three comma-separated numbers R,G,B, got '{text}'.");
        var values = parts.Select(p => ParseDouble(p, option)).ToArray();
        if (values.Any(v => Math.Abs(v) > float.MaxValue))
            throw new UsageException($"Option {option} expects numbers within float32's range (at most ±3.4e38), got '{Shorten(text)}'.");
        return [.. values.Select(v => (float)v)];
    }

    private static int ParseChannel(string text, string whole)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c > MaxChannelIndex)
            throw BadChannels(whole, $"'{Shorten(text)}' is not a channel index");
        return c;
    }

    private static UsageException BadChannels(string text, string why) =>
        new($"Option --channels expects indices 0-{MaxChannelIndex} and ranges such as 0-15,42, but in '{Shorten(text)}' {why}.");

    /// <summary>A value as messages quote it: at most 60 characters, so that a message stays one line.</summary>
    internal static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "…";
}
