using System.Net;
using System.Text;

namespace DeepDream.Gallery;

/// <summary>Writes docs/gallery.md from the sections' declarations (no rendering needed).</summary>
internal static class Markdown
{
    public const string Header = """
        # Gallery

        Every picture here is made by the library itself with `tools/make-gallery.sh` (all sections, a few minutes on two
        cores) or `tools/make-gallery.sh SECTION…` (only those; this page is always rewritten whole). Under each picture is
        the exact C# or `deepdream` command that made it: C# tiles run `new DreamBuilder()…` on `image`, the named sample
        photo from `samples/images/` loaded with `ImageLoader.Load(path).Rgb`, with the embedded ResNet18 and seed 1; command
        tiles run the real CLI with the arguments shown. Settings are the defaults (6 octaves × 1.4, 20 steps of 0.0045, jitter
        32, layer `layer3`) unless the code says otherwise.

        This page is generated from tools/Gallery/Sections (one file per section): edit those, not this file.
        """;

    /// <summary>The whole page.</summary>
    public static string Page(IEnumerable<GallerySection> sections)
    {
        var page = new StringBuilder(Header.ReplaceLineEndings("\n")).Append('\n');
        foreach (var section in sections) page.Append('\n').Append(Section(section));
        return page.ToString();
    }

    /// <summary>One section: heading, intro, then each figure as an HTML table (GitHub renders it; labels and code under the pictures).</summary>
    public static string Section(GallerySection section)
    {
        var text = new StringBuilder();
        text.Append("## ").Append(section.Title).Append("\n\n");
        text.Append(section.Intro.Trim().ReplaceLineEndings("\n")).Append("\n\n");
        foreach (var figure in section.Figures())
        {
            text.Append("<table>\n");
            foreach (var row in figure.Tiles.Chunk(Math.Max(1, figure.Columns)))
            {
                text.Append("<tr>\n");
                foreach (var tile in row)
                {
                    // One column: the picture at its own size; several: equal columns, pictures scaled to fit.
                    var sizing = figure.Columns > 1 ? ($" width=\"{100 / figure.Columns}%\"", " width=\"100%\"") : ("", "");
                    text.Append($"<td{sizing.Item1} valign=\"top\"><img src=\"{ImagePath(section, tile)}\"{sizing.Item2} alt=\"{Html(tile.Label)}\"><br>\n");
                    text.Append($"<b>{Html(tile.Label)}</b><br>\n");
                    text.Append(tile.Source.Kind switch
                    {
                        TileSourceKind.Text => $"<sub>{Html(tile.Source.Text)}</sub>",
                        _ when tile.Source.Text.Contains('\n', StringComparison.Ordinal) => $"<pre>{Html(tile.Source.Text.ReplaceLineEndings("\n"))}</pre>",
                        _ => $"<code>{Html(tile.Source.Text)}</code>",
                    });
                    text.Append("</td>\n");
                }
                text.Append("</tr>\n");
            }
            text.Append("</table>\n\n");
            if (figure.Caption is { } caption) text.Append(caption.Trim().ReplaceLineEndings("\n")).Append("\n\n");
        }
        return text.ToString();
    }

    /// <summary>Where a tile's file lives, relative to docs/.</summary>
    public static string ImagePath(GallerySection section, Tile tile) => $"images/gallery/{section.Id}/{tile.File}";

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
