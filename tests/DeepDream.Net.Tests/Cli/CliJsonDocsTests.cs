using System.Text.Json;
using System.Text.RegularExpressions;

namespace DeepDream.Tests.Cli;

/// <summary>docs/cli.md's <c>dream --json</c> example has exactly the keys a real run writes, at every level.</summary>
public sealed partial class CliJsonDocsTests
{
    [Fact]
    public async Task DreamJsonExample_InCliDocs_HasExactlyTheKeysTheToolWrites()
    {
        using var cli = new CliHarness();
        var input = cli.WriteNoise("in.png", 48, 40);
        var result = await cli.RunTiny("dream", input, "-o", cli.PathOf("out.png"), "--json", "--octaves", "2", "--steps", "1", "--seed", "3", "--layer", "conv2");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var written = JsonDocument.Parse(result.Stdout);
        using var documented = JsonDocument.Parse(DocumentedExample());
        Assert.Equal(Keys(written.RootElement), Keys(documented.RootElement));
    }

    /// <summary>The first <c>```json</c> block under <c>### `--json`</c>, with the "…" that stands for left-out array items removed.</summary>
    private static string DocumentedExample()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "cli.md"));
        var section = docs[docs.IndexOf("### `--json`", StringComparison.Ordinal)..];
        var start = section.IndexOf("```json\n", StringComparison.Ordinal) + "```json\n".Length;
        var json = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];
        return Ellipsis().Replace(json, "");
    }

    /// <summary>Every key path (<c>settings.tileSize</c>, <c>octaves[].index</c>), in order.</summary>
    private static List<string> Keys(JsonElement element, string prefix = "")
    {
        var keys = new List<string>();
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                keys.Add(prefix + property.Name);
                keys.AddRange(Keys(property.Value, prefix + property.Name + "."));
            }
        }
        else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0)
        {
            keys.AddRange(Keys(element[0], prefix.TrimEnd('.') + "[]."));
        }
        return keys;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "DeepDream.Net.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException("DeepDream.Net.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"…,\s*")]
    private static partial Regex Ellipsis();
}
