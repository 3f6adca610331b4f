using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// A tensor a weight file describes, not read yet: element type, shape, and where its values lie in a storage of the
/// file. Weight files are indexed first and read only after their keys and shapes were checked against the network, so a
/// crafted file can make the loader allocate no more than the network's own parameters.
/// </summary>
/// <param name="DType">The element type in the file.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Stride">Elements between neighbours along each dimension (row-major contiguous for safetensors).</param>
/// <param name="Offset">The first element's index in the storage.</param>
/// <param name="StorageKey">Which storage of the file holds the values.</param>
internal sealed record StoredTensor(ScalarType DType, long[] Shape, long[] Stride, long Offset, string StorageKey)
{
    /// <summary>The largest tensor read at once: 2 GiB, the most one span can address.</summary>
    public const long MaxBytes = int.MaxValue;

    /// <summary>The number of elements (the product of <see cref="Shape"/>); checked against overflow at construction.</summary>
    public long ElementCount { get; } = CheckedCount(Shape);

    /// <summary>
    /// How many storage elements the tensor spans from its first element: 1 + Σ (shape[i] − 1) · stride[i] (0 when empty).
    /// </summary>
    public long Extent
    {
        get
        {
            if (ElementCount == 0) return 0;
            long last = 0;
            for (var i = 0; i < Shape.Length; i++) last = checked(last + (Shape[i] - 1) * Stride[i]);
            return checked(last + 1);
        }
    }

    /// <summary>The bytes of one element of <paramref name="type"/>.</summary>
    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    /// <summary>The product of <paramref name="shape"/>, refusing negative dimensions and counts beyond 2^59.</summary>
    /// <exception cref="InvalidDataException">A dimension is negative or the product is impossibly large.</exception>
    public static long CheckedCount(long[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new InvalidDataException($"a tensor has a negative dimension ({Describe(shape)})");
            if (d != 0 && n > (1L << 59) / d) throw new InvalidDataException($"a tensor declares dimensions {Describe(shape)}, more elements than any file can hold");
            n *= d;
        }
        return n;
    }

    /// <summary>A shape for messages, such as <c>[64, 3, 7, 7]</c> (at most 8 dimensions shown).</summary>
    public static string Describe(IReadOnlyCollection<long> shape) =>
        "[" + string.Join(", ", shape.Take(8)) + (shape.Count > 8 ? $", … ({shape.Count} dimensions)" : "") + "]";
}

/// <summary>An indexed weight file: its tensors by key, read one at a time on demand.</summary>
internal interface IWeightFile : IDisposable
{
    /// <summary>The tensors the file holds, by state-dict key.</summary>
    Dictionary<string, StoredTensor> Tensors { get; }

    /// <summary>Reads one tensor's values into a new CPU tensor of its own element type and shape.</summary>
    /// <exception cref="InvalidDataException">The file ends early or changed since it was indexed.</exception>
    Tensor Read(StoredTensor tensor);
}
