using DeepDream.Schedules;
using DeepDream.Tiling;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace DeepDream.Gallery.Sections;

/// <summary>A large image dreamed in tiles, with the tile grid drawn and described.</summary>
internal sealed class TiledSection : GallerySection
{
    private const int Width = 1200;
    private const int Height = 800;
    private const int Tile = 512;

    public override string Id => "tiled";
    public override int Order => 60;
    public override string Title => "A large image in tiles";
    public override string Intro => $"""
        The coffee photo enlarged to {Width}×{Height} and dreamed with `TileSize({Tile})`: every octave larger than {Tile} px on a
        side gets its gradient tile by tile. Each tile is a core plus {TilePlan.ContextFor(Tile)} px of context on every side
        (an eighth of the tile, aligned to {TilePlan.AlignmentFor(Tile)} px); only the cores' gradients are kept, the assembled
        gradient is normalised once, and the jitter roll moves the seams every step, so no seam shows. Beside it: the tile
        cores of the full-size octave.
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Dream("coffee-tiles-512.jpg", $"TileSize({Tile})", "coffee.png",
                b => b.TileSize(512), image => image.Mutate(c => c.Resize(1200, 800))),
            Tiles.Picture("coffee-grid.jpg", $"tile cores at {Width}×{Height}, TileSize({Tile})",
                GridDescription(), TileSourceKind.Text, context => DrawGrid(context.Load("coffee.png"))),
        ], Caption: Plan(), Columns: 2);
    }

    /// <summary>The tile grid of every octave, from the library's own planner.</summary>
    private static string Plan()
    {
        var lines = new List<string> { "Tiles per octave (columns × rows of cores, each seen with its context):", "" };
        var sizes = new OctaveSchedule().Sizes(new OctaveSize(Height, Width));
        foreach (var size in sizes.Reverse())
        {
            var plan = TilePlan.Create(size.Height, size.Width, Tile);
            var cores = plan.IsSingleTile
                ? "one tile (the whole octave)"
                : $"{plan.Columns.Count} × {plan.Rows.Count} tiles, core widths {string.Join("/", plan.Columns.Select(c => c.Length).Distinct())}, "
                  + $"core heights {string.Join("/", plan.Rows.Select(r => r.Length).Distinct())}, crops up to "
                  + $"{plan.Columns.Max(c => c.CropLength)}×{plan.Rows.Max(r => r.CropLength)}";
            lines.Add($"- {size.Width}×{size.Height}: {cores}");
        }
        return string.Join("\n", lines);
    }

    private static string GridDescription()
    {
        var plan = TilePlan.Create(Height, Width, Tile);
        return $"white: core boundaries ({plan.Columns.Count} × {plan.Rows.Count}); shaded: the context the top-left tile also sees";
    }

    /// <summary>The enlarged photo with the full-size octave's core boundaries in white and the first tile's context shaded.</summary>
    private static Image<Rgb24> DrawGrid(Image<Rgb24> image)
    {
        image.Mutate(c => c.Resize(Width, Height));
        var plan = TilePlan.Create(Height, Width, Tile);
        var first = (Columns: plan.Columns[0], Rows: plan.Rows[0]);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var inCrop = x < first.Columns.CropEnd && y < first.Rows.CropEnd;
                    var inCore = x < first.Columns.End && y < first.Rows.End;
                    if (inCrop && !inCore) row[x] = new Rgb24((byte)(row[x].R / 2 + 128), (byte)(row[x].G / 2), (byte)(row[x].B / 2));
                }
                var onRow = plan.Rows.Any(r => Math.Abs(y - r.Start) < 2 || Math.Abs(y - (r.End - 1)) < 2);
                for (var x = 0; x < row.Length; x++)
                {
                    var onColumn = plan.Columns.Any(c => Math.Abs(x - c.Start) < 2 || Math.Abs(x - (c.End - 1)) < 2);
                    if (onRow || onColumn) row[x] = new Rgb24(255, 255, 255);
                }
            }
        });
        return image;
    }
}
