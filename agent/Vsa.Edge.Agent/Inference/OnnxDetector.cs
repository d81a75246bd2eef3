using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Inference;

/// <summary>
/// One pipeline's view of a <see cref="DetectorModel"/>: pre-processing, the model run and decoding, on buffers
/// allocated once. ONNX Runtime reads the input tensor from, and writes the outputs into, managed arrays wrapped as
/// <see cref="OrtValue"/>s, so the decoder reads the numbers where the model wrote them. The values are bound once
/// to an <see cref="OrtIoBinding"/>: <c>session.Run(runOptions, names, values, names, values)</c> on the same values
/// costs ≈ 370 bytes of managed garbage per call (name and handle marshalling), a bound run costs none.
/// </summary>
public sealed class OnnxDetector : IDisposable
{
    private readonly DetectorModel _model;
    private readonly Preprocessor _preprocessor;
    private readonly IDetectionDecoder _decoder;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly int[][] _outputShapes;
    private readonly InferenceBuffers _defaultBuffers;

    internal OnnxDetector(DetectorModel model)
    {
        _model = model;
        var manifest = model.Manifest;
        _preprocessor = new Preprocessor(manifest.Input);
        _decoder = DetectionDecoders.Create(manifest);
        _inputName = manifest.Input.Name;
        _inputShape = manifest.Input.Layout == TensorLayout.Nchw
            ? [1, 3, manifest.Input.Height, manifest.Input.Width]
            : [1, manifest.Input.Height, manifest.Input.Width, 3];
        _outputNames = [.. model.Session.OutputNames];
        _outputShapes = [.. _outputNames.Select(n => ShapeOf(n, model.Session.OutputMetadata[n]))];
        _defaultBuffers = CreateBuffers();
    }

    /// <summary>The model.</summary>
    public DetectorModel Model => _model;

    /// <summary>Allocates one set of input/output buffers; a pipeline cycles a few so decoding overlaps the next run.</summary>
    public InferenceBuffers CreateBuffers() => new(_model.Session, _inputName, _preprocessor.TensorLength, _inputShape, _outputNames, _outputShapes);

    /// <summary>Writes <paramref name="frame"/> into the input tensor of <paramref name="buffers"/>.</summary>
    public InputTransform Preprocess(Mat frame, InferenceBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        buffers.Transform = _preprocessor.Process(frame, buffers.Input);
        return buffers.Transform;
    }

    /// <summary>Runs the model on the input of <paramref name="buffers"/>, writing its outputs in place.</summary>
    public void Run(InferenceBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        _model.Session.RunWithBinding(_runOptions, buffers.Binding);
    }

    /// <summary>Decodes the outputs of <paramref name="buffers"/> into <paramref name="results"/> (cleared first), then applies NMS.</summary>
    public void Decode(InferenceBuffers buffers, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(results);
        results.Clear();
        var transform = buffers.Transform;
        _decoder.Decode(buffers.Outputs, in transform, scoreThreshold, results);
        Nms.Apply(results, _model.Manifest.Output.NmsIouThreshold);
    }

    /// <summary>Pre-processes, runs and decodes one frame on this detector's own buffers.</summary>
    public void Detect(Mat frame, float scoreThreshold, List<Detection> results)
    {
        Preprocess(frame, _defaultBuffers);
        Run(_defaultBuffers);
        Decode(_defaultBuffers, scoreThreshold, results);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _defaultBuffers.Dispose();
        _runOptions.Dispose();
        _preprocessor.Dispose();
    }

    private static int[] ShapeOf(string name, NodeMetadata metadata)
    {
        if (metadata.ElementType != typeof(float))
        {
            throw new ModelException($"Output '{name}' is {metadata.ElementType.Name}; only float outputs are supported.");
        }

        var dims = metadata.Dimensions.ToArray();
        for (var i = 0; i < dims.Length; i++)
        {
            if (dims[i] >= 0)
            {
                continue;
            }

            // A symbolic batch dimension is 1 here; any other unknown dimension cannot be pre-allocated.
            dims[i] = i == 0 ? 1 : throw new ModelException($"Output '{name}' has an unknown dimension {i}; export the model with fixed output shapes.");
        }

        return dims;
    }
}

/// <summary>Input and output buffers of one model run, allocated once and reused.</summary>
public sealed class InferenceBuffers : IDisposable
{
    private readonly OrtValue[] _inputValues;
    private readonly OrtValue[] _outputValues;

    internal InferenceBuffers(InferenceSession session, string inputName, int inputLength, long[] inputShape, string[] outputNames, int[][] outputShapes)
    {
        Input = new float[inputLength];
        _inputValues = [OrtValue.CreateTensorValueFromMemory(Input, inputShape)];
        Binding = session.CreateIoBinding();
        Binding.BindInput(inputName, _inputValues[0]);
        var outputs = new OutputTensor[outputNames.Length];
        _outputValues = new OrtValue[outputNames.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            var shape = outputShapes[i];
            var data = new float[shape.Aggregate(1, (a, d) => a * d)];
            outputs[i] = new OutputTensor(outputNames[i], data, shape);
            _outputValues[i] = OrtValue.CreateTensorValueFromMemory(data, [.. shape.Select(d => (long)d)]);
            Binding.BindOutput(outputNames[i], _outputValues[i]);
        }

        Outputs = outputs;
    }

    /// <summary>The input tensor the pre-processing writes.</summary>
    public float[] Input { get; }

    /// <summary>The model outputs, written in place by each run.</summary>
    public IReadOnlyList<OutputTensor> Outputs { get; }

    /// <summary>How the last pre-processed frame maps onto the input.</summary>
    public InputTransform Transform { get; internal set; }

    internal OrtIoBinding Binding { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Binding.Dispose();
        foreach (var v in _inputValues)
        {
            v.Dispose();
        }

        foreach (var v in _outputValues)
        {
            v.Dispose();
        }
    }
}
