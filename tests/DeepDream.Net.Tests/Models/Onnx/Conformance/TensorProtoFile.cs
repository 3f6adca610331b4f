using DeepDream.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx.Conformance;

/// <summary>Reads a serialized ONNX TensorProto (the <c>input_*.pb</c>/<c>output_*.pb</c> files of ONNX's test cases).</summary>
internal static class TensorProtoFile
{
    /// <summary>The tensor in <paramref name="path"/>, converted as the importer converts initializers.</summary>
    /// <param name="path">The .pb file.</param>
    /// <param name="declared">The element type the graph declares for this value.</param>
    public static Tensor Read(string path, OnnxDataType declared)
    {
        var bytes = File.ReadAllBytes(path);
        var reader = new ProtoReader(bytes);
        var proto = OnnxProtoParser.ParseTensor(ref reader);
        var t = OnnxTensorLoader.ToTensor(proto, bytes, null);
        if (declared != OnnxDataType.BFloat16 || proto.DataType != OnnxDataType.UInt16) return t;
        // ONNX 1.12 stores bfloat16 test data as the raw 16-bit patterns in a uint16 tensor: bfloat16 is a float32's upper half.
        using (t)
        using (var bits = t.to_type(ScalarType.Int64).flatten())
        {
            var floats = bits.data<long>().ToArray().Select(b => BitConverter.Int32BitsToSingle((int)(b << 16))).ToArray();
            return tensor(floats).reshape(t.shape);
        }
    }
}
