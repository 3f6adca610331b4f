using System.Numerics;

namespace DeepDream.Tiling;

/// <summary>
/// How an image is cut into tiles for the gradient: each axis is split into equal "core" spans whose union is the whole
/// axis (so the right and bottom edges are always covered), and each tile the model sees is its core plus up to
/// <see cref="Context"/> pixels of surrounding image on every side, never larger than the tile size.
/// </summary>
internal sealed class TilePlan
{
    private TilePlan(IReadOnlyList<Span1D> rows, IReadOnlyList<Span1D> columns, int context)
    {
        Rows = rows;
        Columns = columns;
        Context = context;
    }

    /// <summary>Spans along the height.</summary>
    public IReadOnlyList<Span1D> Rows { get; }

    /// <summary>Spans along the width.</summary>
    public IReadOnlyList<Span1D> Columns { get; }

    /// <summary>Pixels of context on each side of a core.</summary>
    public int Context { get; }

    /// <summary>Whether the whole image is one tile (no cropping at all).</summary>
    public bool IsSingleTile => Rows.Count == 1 && Columns.Count == 1;

    /// <summary>
    /// Tile boundaries and context are multiples of this, so every crop starts on the same stride grid as the whole
    /// image (strided layers then sample the same pixels): 32, or less for tiny tiles.
    /// </summary>
    public static int AlignmentFor(int tileSize) => Math.Min(32, 1 << BitOperations.Log2((uint)Math.Max(1, tileSize / 8)));

    /// <summary>Context on each side: an eighth of the tile, rounded down to the alignment.</summary>
    public static int ContextFor(int tileSize) => tileSize / 8 / AlignmentFor(tileSize) * AlignmentFor(tileSize);

    /// <summary>
    /// The context a tile needs when the layers see <paramref name="radius"/> pixels around an activation: twice that (a
    /// core pixel feeds activations up to one radius away, which read up to one radius further), rounded up to the alignment.
    /// </summary>
    public static int ContextForReceptiveField(int radius, int tileSize)
    {
        var alignment = AlignmentFor(tileSize);
        return (2 * radius + alignment - 1) / alignment * alignment;
    }

    /// <summary>Plans the tiles for an image.</summary>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="tileSize">Largest tile side the model sees.</param>
    /// <param name="receptiveRadius">
    /// The layers' receptive-field radius (<see cref="ReceptiveField"/>), when known: the context is then no more than
    /// <see cref="ContextForReceptiveField"/> needs.
    /// </param>
    public static TilePlan Create(int height, int width, int tileSize, int? receptiveRadius = null)
    {
        var context = ContextFor(tileSize);
        if (receptiveRadius is { } radius) context = Math.Min(context, ContextForReceptiveField(radius, tileSize));
        var alignment = AlignmentFor(tileSize);
        return new TilePlan(Axis(height, tileSize, context, alignment), Axis(width, tileSize, context, alignment), context);
    }

    private static Span1D[] Axis(int length, int tileSize, int context, int alignment)
    {
        if (length <= tileSize) return [new Span1D(0, length, 0, length)];
        // Rounding a boundary to the alignment can lengthen a core by up to one alignment step.
        var core = tileSize - 2 * context - alignment;
        var count = (length + core - 1) / core;
        var bounds = new int[count + 1];
        for (var i = 1; i < count; i++) bounds[i] = (int)((long)i * length / count / alignment * alignment);
        bounds[count] = length;
        var spans = new Span1D[count];
        for (var i = 0; i < count; i++)
        {
            spans[i] = new Span1D(bounds[i], bounds[i + 1], Math.Max(0, bounds[i] - context), Math.Min(length, bounds[i + 1] + context));
        }
        return spans;
    }
}

/// <summary>One span along an axis: the core <c>[Start, End)</c> whose gradient is kept, seen with context <c>[CropStart, CropEnd)</c>.</summary>
internal readonly record struct Span1D(int Start, int End, int CropStart, int CropEnd)
{
    public int Length => End - Start;

    public int CropLength => CropEnd - CropStart;
}
