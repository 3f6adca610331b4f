namespace DeepDream.Gallery;

/// <summary>
/// One section of docs/gallery.md: a heading, a paragraph, and figures of labelled tiles. Every concrete subclass in this
/// assembly is found by reflection and placed by <see cref="Order"/>, so adding a section is adding one file under
/// Sections/ (see tools/Gallery/README.md).
/// </summary>
internal abstract class GallerySection
{
    /// <summary>Short lower-case name: the folder under docs/images/gallery and the name for <c>--only</c>.</summary>
    public abstract string Id { get; }

    /// <summary>Place in the page, smallest first (the built-in sections use multiples of 10).</summary>
    public abstract int Order { get; }

    /// <summary>The section heading.</summary>
    public abstract string Title { get; }

    /// <summary>Markdown shown under the heading, before the figures.</summary>
    public abstract string Intro { get; }

    /// <summary>The figures, in page order. Only declares them: nothing is rendered until <see cref="Tile.Render"/> runs.</summary>
    public abstract IEnumerable<Figure> Figures();
}

/// <summary>
/// A row (or grid) of tiles with an optional caption under it. <paramref name="Columns"/> tiles per table row.
/// <paramref name="StripFile"/>, when set, also writes all tiles side by side into that file under docs/images (for the
/// README and other pages); a figure of one tile is copied there as it is (so an animation stays one).
/// </summary>
internal sealed record Figure(IReadOnlyList<Tile> Tiles, string? Caption = null, int Columns = 2, string? StripFile = null);

/// <summary>
/// One picture: its file name (in the section's folder; the extension picks the format: .jpg, .png, .gif), the label
/// shown under it, the exact C# or CLI command that made it (shown under the label), and how to make it.
/// </summary>
internal sealed record Tile(string File, string Label, TileSource Source, Func<GalleryContext, string, Task> Render);

/// <summary>What is shown under a tile: C# code, a <c>deepdream</c> command, or a plain description.</summary>
internal sealed record TileSource(string Text, TileSourceKind Kind);

internal enum TileSourceKind
{
    /// <summary>C# (a builder chain or a statement).</summary>
    Code,

    /// <summary>A <c>deepdream</c> command line.</summary>
    Command,

    /// <summary>Plain words (an input picture, a diagram).</summary>
    Text,
}
