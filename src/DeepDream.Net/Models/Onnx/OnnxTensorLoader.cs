using System.Buffers.Binary;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.Onnx;

/// <summary>
/// Turns ONNX TensorProtos into CPU tensors. Floating-point data (float, double, float16) becomes float32 — the element
/// type the whole library computes in; integer data becomes int64; bool stays bool. Large payloads are copied once, from
/// the model buffer (or the external-data file) straight into the tensor's storage.
/// </summary>
internal static class OnnxTensorLoader
{
    public static Tensor ToTensor(OnnxTensorProto t, ReadOnlySpan<byte> buffer, string? modelDirectory)
    {
        var dims = t.Dims.ToArray();
        var count = t.ElementCount; // checked: no negative dimension, no overflow
        var type = t.DataType;
        if (t.IsExternal || t.ExternalData.Count > 0) return LoadExternal(t, dims, count, modelDirectory);

        switch (type)
        {
            case OnnxDataType.Float:
                if (t.RawData is { } raw) return FromBytes(t, dims, count, buffer.Slice(checked((int)raw.Offset), raw.Length), ScalarType.Float32, 4);
                if (t.PackedFloatData is { } packed) return FromBytes(t, dims, count, buffer.Slice(checked((int)packed.Offset), packed.Length), ScalarType.Float32, 4);
                CheckCount(t, t.FloatData.Count, count);
                return tensor(t.FloatData.ToArray(), dims);
            case OnnxDataType.Double:
                if (t.RawData is { } rawD)
                {
                    using var d = FromBytes(t, dims, count, buffer.Slice(checked((int)rawD.Offset), rawD.Length), ScalarType.Float64, 8);
                    return d.to_type(ScalarType.Float32);
                }
                CheckCount(t, t.DoubleData.Count, count);
                return tensor(t.DoubleData.Select(v => (float)v).ToArray(), dims);
            case OnnxDataType.Float16:
                if (t.RawData is { } rawH)
                {
                    using var h = FromBytes(t, dims, count, buffer.Slice(checked((int)rawH.Offset), rawH.Length), ScalarType.Float16, 2);
                    return h.to_type(ScalarType.Float32);
                }
                CheckCount(t, t.Int32Data.Count, count);
                return tensor(t.Int32Data.Select(v => (float)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(), dims);
            case OnnxDataType.BFloat16:
                if (t.RawData is { } rawB)
                {
                    using var b = FromBytes(t, dims, count, buffer.Slice(checked((int)rawB.Offset), rawB.Length), ScalarType.BFloat16, 2);
                    return b.to_type(ScalarType.Float32);
                }
                CheckCount(t, t.Int32Data.Count, count);
                // bfloat16 is the upper half of a float32.
                return tensor(t.Int32Data.Select(v => BitConverter.Int32BitsToSingle((int)((uint)v << 16))).ToArray(), dims);
            case OnnxDataType.Int64:
                if (t.RawData is { } rawL) return FromBytes(t, dims, count, buffer.Slice(checked((int)rawL.Offset), rawL.Length), ScalarType.Int64, 8);
                CheckCount(t, t.Int64Data.Count, count);
                return tensor(t.Int64Data.ToArray(), dims);
            case OnnxDataType.Int32:
            case OnnxDataType.Int16:
            case OnnxDataType.Int8:
            case OnnxDataType.UInt8:
            case OnnxDataType.UInt16:
            case OnnxDataType.UInt32:
            case OnnxDataType.Bool:
                {
                    long[] values;
                    if (t.RawData is { } rawI) values = DecodeIntegers(t, buffer.Slice(checked((int)rawI.Offset), rawI.Length), count);
                    else
                    {
                        CheckCount(t, t.Int32Data.Count, count);
                        values = t.Int32Data.ToArray();
                    }
                    var result = tensor(values, dims);
                    if (type != OnnxDataType.Bool) return result;
                    using (result) return result.to_type(ScalarType.Bool);
                }
            case OnnxDataType.UInt64:
                if (t.RawData is { } rawU) return FromBytes(t, dims, count, buffer.Slice(checked((int)rawU.Offset), rawU.Length), ScalarType.Int64, 8);
                CheckCount(t, t.Int64Data.Count, count);
                return tensor(t.Int64Data.ToArray(), dims);
            default:
                throw new OnnxFormatException($"tensor '{t.Name}' has element type {type}, which is not supported (float, double, float16 and integer types are)");
        }
    }

    private static void CheckCount(OnnxTensorProto t, int actual, long expected)
    {
        if (actual != expected)
            throw new OnnxFormatException($"tensor '{t.Name}' of shape {t.ShapeText} needs {expected} values but holds {actual}");
    }

    private static int ElementSize(OnnxDataType type) => type switch
    {
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 4,
        OnnxDataType.Double or OnnxDataType.Int64 or OnnxDataType.UInt64 => 8,
        OnnxDataType.Float16 or OnnxDataType.Int16 or OnnxDataType.UInt16 => 2,
        OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool => 1,
        _ => 0,
    };

    private static long[] DecodeIntegers(OnnxTensorProto t, ReadOnlySpan<byte> raw, long count)
    {
        var size = ElementSize(t.DataType);
        if (raw.Length != count * size)
            throw new OnnxFormatException($"tensor '{t.Name}' of shape {t.ShapeText} needs {count * size} bytes of raw data but has {raw.Length}");
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            var s = raw.Slice(i * size, size);
            values[i] = t.DataType switch
            {
                OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(s),
                OnnxDataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(s),
                OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(s),
                OnnxDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(s),
                OnnxDataType.Int8 => (sbyte)s[0],
                _ => s[0],
            };
        }
        return values;
    }

    private static Tensor FromBytes(OnnxTensorProto t, long[] dims, long count, ReadOnlySpan<byte> bytes, ScalarType type, int elementSize)
    {
        if (bytes.Length != count * elementSize)
            throw new OnnxFormatException($"tensor '{t.Name}' of shape {t.ShapeText} needs {count * elementSize} bytes of data but has {bytes.Length}");
        var result = empty(dims, type);
        if (count > 0)
        {
            // set_bytes copies into the tensor's storage; it takes a (mutable) span but only reads from it.
            result.bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bytes), bytes.Length);
        }
        return result;
    }

    /// <summary>The element type a loaded tensor ends up with: float32 for floating point, int64 for integers, bool as is.</summary>
    private static ScalarType ToFloatOrLong(ScalarType type) => type switch
    {
        ScalarType.Float32 or ScalarType.Int64 or ScalarType.Bool => type,
        ScalarType.Float64 or ScalarType.Float16 => ScalarType.Float32,
        _ => ScalarType.Int64,
    };

    private static Tensor LoadExternal(OnnxTensorProto t, long[] dims, long count, string? modelDirectory)
    {
        if (!t.ExternalData.TryGetValue("location", out var location) || location.Length == 0)
            throw new OnnxFormatException($"tensor '{t.Name}' is stored externally but names no location");
        if (modelDirectory is null)
            throw new OnnxFormatException($"tensor '{t.Name}' is stored in the external file '{location}', but the model was not loaded from a file, so there is no folder to find it in");
        var type = t.DataType switch
        {
            OnnxDataType.Float => ScalarType.Float32,
            OnnxDataType.Double => ScalarType.Float64,
            OnnxDataType.Float16 => ScalarType.Float16,
            OnnxDataType.Int64 => ScalarType.Int64,
            OnnxDataType.Int32 => ScalarType.Int32,
            OnnxDataType.Int8 => ScalarType.Int8,
            OnnxDataType.UInt8 => ScalarType.Byte,
            OnnxDataType.Int16 => ScalarType.Int16,
            OnnxDataType.Bool => ScalarType.Bool,
            _ => throw new OnnxFormatException($"external tensor '{t.Name}' has element type {t.DataType}, which is not supported"),
        };
        var size = ElementSize(t.DataType);
        long offset = 0;
        if (t.ExternalData.TryGetValue("offset", out var o) && !long.TryParse(o, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out offset))
            throw new OnnxFormatException($"external tensor '{t.Name}' has an invalid offset '{o}'");
        var length = count * size;
        if (t.ExternalData.TryGetValue("length", out var l))
        {
            if (!long.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var declared))
                throw new OnnxFormatException($"external tensor '{t.Name}' has an invalid length '{l}'");
            if (declared != length)
                throw new OnnxFormatException($"external tensor '{t.Name}' of shape {t.ShapeText} needs {length} bytes but declares {declared}");
        }
        if (offset < 0 || offset > long.MaxValue - length)
            throw new OnnxFormatException($"external tensor '{t.Name}' has an offset ({offset}) and length ({length}) beyond any file");
        var path = ExternalDataFile.Resolve(modelDirectory, location, t.Name);
        // The size comes from the folder entry, before the file is opened: a pipe or device (size 0) is never opened.
        var fileLength = SourceFiles.Length(path);
        if (offset + length > fileLength)
            throw new OnnxFormatException($"tensor '{t.Name}' needs bytes {offset}..{offset + length} of the external file '{location}', which has only {fileLength} bytes (file truncated, or not a regular file)");
        if (length == 0) return empty(dims, ToFloatOrLong(type));
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var result = empty(dims, type);
        try
        {
            var target = result.bytes;
            var done = 0;
            while (done < target.Length)
            {
                var read = RandomAccess.Read(handle, target[done..], offset + done);
                if (read <= 0) throw new OnnxFormatException($"the external file '{location}' ended while reading tensor '{t.Name}'");
                done += read;
            }
            if (ToFloatOrLong(type) == type) return result;
            using (result)
                return result.to_type(ToFloatOrLong(type));
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
