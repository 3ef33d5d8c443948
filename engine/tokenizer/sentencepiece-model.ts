/**
 * Reads a SentencePiece `tokenizer.model`: a serialized `ModelProto` (sentencepiece_model.proto, proto2).
 * Only the fields a tokenizer.json conversion needs are decoded; everything else is skipped by wire
 * type, so files written by newer SentencePiece versions still load. Absent fields take the proto's
 * declared defaults (proto2 semantics), e.g. `add_dummy_prefix` is true unless the file says otherwise.
 */
import { UserError } from '../errors.js';

/** SentencePiece.Type in sentencepiece_model.proto. */
export enum PieceType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
}

export interface SentencePiece {
  readonly piece: string;
  readonly score: number;
  readonly type: PieceType;
}

/** TrainerSpec.ModelType. */
export type SentencePieceModelType = 'unigram' | 'bpe' | 'word' | 'char';

export interface SentencePieceTrainerSpec {
  readonly modelType: SentencePieceModelType;
  readonly byteFallback: boolean;
  readonly treatWhitespaceAsSuffix: boolean;
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkPiece: string;
  readonly bosPiece: string;
  readonly eosPiece: string;
  readonly padPiece: string;
}

export interface SentencePieceNormalizerSpec {
  /** Rule name, e.g. "identity" (Llama, InternLM2) or "nmt_nfkc" (spm_train's default). */
  readonly name: string;
  /** Compiled normalization rules (empty for "identity"). */
  readonly precompiledCharsmap: Uint8Array;
  readonly addDummyPrefix: boolean;
  readonly removeExtraWhitespaces: boolean;
  readonly escapeWhitespaces: boolean;
}

export interface SentencePieceModel {
  readonly pieces: readonly SentencePiece[];
  readonly trainer: SentencePieceTrainerSpec;
  readonly normalizer: SentencePieceNormalizerSpec;
}

const MODEL_TYPES: Record<number, SentencePieceModelType> = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' };

/** Protobuf wire types (the low three bits of a field key). */
const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

/** Thrown by the wire reader; `parseSentencePieceModel` turns it into a UserError naming the file. */
class MalformedProtobuf extends Error {}

/** A cursor over protobuf wire-format bytes. */
class WireReader {
  private offset: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.offset = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  /** Reads a varint as an unsigned 64-bit BigInt (int32 fields with negative values use all 10 bytes). */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new MalformedProtobuf(`varint runs past the end at byte ${this.offset}`);
      const byte = this.bytes[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new MalformedProtobuf(`varint longer than 10 bytes at byte ${this.offset}`);
  }

  /** A field key: field number and wire type. */
  key(): { field: number; wireType: number } {
    const key = Number(this.varint());
    return { field: Math.floor(key / 8), wireType: key & 7 };
  }

  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }

  bool(): boolean {
    return this.varint() !== 0n;
  }

  float(): number {
    this.need(4);
    const value = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return value;
  }

  /** The [start, end) byte range of a length-delimited field. */
  lengthDelimited(): [number, number] {
    const length = Number(this.varint());
    this.need(length);
    const start = this.offset;
    this.offset += length;
    return [start, this.offset];
  }

  bytesField(): Uint8Array {
    const [start, end] = this.lengthDelimited();
    return this.bytes.subarray(start, end);
  }

  string(): string {
    return UTF8.decode(this.bytesField());
  }

  /** A reader over an embedded message's bytes. */
  message(): WireReader {
    const [start, end] = this.lengthDelimited();
    return new WireReader(this.bytes, start, end);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.need(8);
        this.offset += 8;
        return;
      case WireType.LengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.Fixed32:
        this.need(4);
        this.offset += 4;
        return;
      default:
        throw new MalformedProtobuf(`unsupported wire type ${wireType} at byte ${this.offset}`);
    }
  }

  /** Checks the wire type of a known field, so that a different message is not misread as this one. */
  expect(wireType: number, expected: WireType, field: string): void {
    if (wireType !== expected) throw new MalformedProtobuf(`field ${field} has wire type ${wireType}, expected ${expected}`);
  }

  private need(length: number): void {
    if (this.offset + length > this.end) throw new MalformedProtobuf(`field runs past the end of its message at byte ${this.offset}`);
  }
}

// ignoreBOM: a piece may BE a byte-order mark (InternLM2's id 65402 is "\uFEFF"); the default decoder
// would strip it as if it marked the encoding, leaving an empty piece.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses the bytes of a SentencePiece model file; `file` names it in errors. */
export function parseSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModel {
  let model: SentencePieceModel;
  try {
    model = readModelProto(new WireReader(bytes));
  } catch (error) {
    if (error instanceof MalformedProtobuf || error instanceof TypeError) {
      throw new UserError(
        `${file}: not a SentencePiece model (${error.message})`,
        'the file is damaged or truncated; copy tokenizer.model from the model release again',
      );
    }
    throw error;
  }
  if (model.pieces.length === 0) {
    throw new UserError(`${file}: the SentencePiece model has no pieces`, 'copy tokenizer.model from the model release again');
  }
  return model;
}

function readModelProto(reader: WireReader): SentencePieceModel {
  const pieces: SentencePiece[] = [];
  let trainer = readTrainerSpec(undefined);
  let normalizer = readNormalizerSpec(undefined);
  while (!reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1) {
      reader.expect(wireType, WireType.LengthDelimited, 'ModelProto.pieces');
      pieces.push(readPiece(reader.message()));
    } else if (field === 2) {
      reader.expect(wireType, WireType.LengthDelimited, 'ModelProto.trainer_spec');
      trainer = readTrainerSpec(reader.message());
    } else if (field === 3) {
      reader.expect(wireType, WireType.LengthDelimited, 'ModelProto.normalizer_spec');
      normalizer = readNormalizerSpec(reader.message());
    } else {
      reader.skip(wireType);
    }
  }
  return { pieces, trainer, normalizer };
}

function readPiece(reader: WireReader): SentencePiece {
  let piece = '';
  let score = 0;
  let type = PieceType.Normal;
  while (!reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1) {
      reader.expect(wireType, WireType.LengthDelimited, 'SentencePiece.piece');
      piece = reader.string();
    } else if (field === 2) {
      reader.expect(wireType, WireType.Fixed32, 'SentencePiece.score');
      score = reader.float();
    } else if (field === 3) {
      reader.expect(wireType, WireType.Varint, 'SentencePiece.type');
      const value = reader.int32();
      if (!(value in PieceType)) throw new MalformedProtobuf(`piece ${JSON.stringify(piece)} has unknown type ${value}`);
      type = value as PieceType;
    } else {
      reader.skip(wireType);
    }
  }
  return { piece, score, type };
}

/** Reads TrainerSpec; with no reader, returns the proto's defaults. */
function readTrainerSpec(reader: WireReader | undefined): SentencePieceTrainerSpec {
  const spec: { -readonly [K in keyof SentencePieceTrainerSpec]: SentencePieceTrainerSpec[K] } = {
    modelType: 'unigram',
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: '<unk>',
    bosPiece: '<s>',
    eosPiece: '</s>',
    padPiece: '<pad>',
  };
  while (reader && !reader.done) {
    const { field, wireType } = reader.key();
    switch (field) {
      case 3: {
        reader.expect(wireType, WireType.Varint, 'TrainerSpec.model_type');
        const code = reader.int32();
        const modelType = MODEL_TYPES[code];
        if (!modelType) throw new MalformedProtobuf(`unknown model_type ${code}`);
        spec.modelType = modelType;
        break;
      }
      case 24:
        reader.expect(wireType, WireType.Varint, 'TrainerSpec.treat_whitespace_as_suffix');
        spec.treatWhitespaceAsSuffix = reader.bool();
        break;
      case 35:
        reader.expect(wireType, WireType.Varint, 'TrainerSpec.byte_fallback');
        spec.byteFallback = reader.bool();
        break;
      case 40:
      case 41:
      case 42:
      case 43: {
        reader.expect(wireType, WireType.Varint, 'TrainerSpec special id');
        const id = reader.int32();
        if (field === 40) spec.unkId = id;
        else if (field === 41) spec.bosId = id;
        else if (field === 42) spec.eosId = id;
        else spec.padId = id;
        break;
      }
      case 45:
      case 46:
      case 47:
      case 48: {
        reader.expect(wireType, WireType.LengthDelimited, 'TrainerSpec special piece');
        const piece = reader.string();
        if (field === 45) spec.unkPiece = piece;
        else if (field === 46) spec.bosPiece = piece;
        else if (field === 47) spec.eosPiece = piece;
        else spec.padPiece = piece;
        break;
      }
      default:
        reader.skip(wireType);
    }
  }
  return spec;
}

/** Reads NormalizerSpec; with no reader, returns the proto's defaults. */
function readNormalizerSpec(reader: WireReader | undefined): SentencePieceNormalizerSpec {
  const spec: { -readonly [K in keyof SentencePieceNormalizerSpec]: SentencePieceNormalizerSpec[K] } = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  while (reader && !reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1) {
      reader.expect(wireType, WireType.LengthDelimited, 'NormalizerSpec.name');
      spec.name = reader.string();
    } else if (field === 2) {
      reader.expect(wireType, WireType.LengthDelimited, 'NormalizerSpec.precompiled_charsmap');
      spec.precompiledCharsmap = reader.bytesField();
    } else if (field === 3) {
      reader.expect(wireType, WireType.Varint, 'NormalizerSpec.add_dummy_prefix');
      spec.addDummyPrefix = reader.bool();
    } else if (field === 4) {
      reader.expect(wireType, WireType.Varint, 'NormalizerSpec.remove_extra_whitespaces');
      spec.removeExtraWhitespaces = reader.bool();
    } else if (field === 5) {
      reader.expect(wireType, WireType.Varint, 'NormalizerSpec.escape_whitespaces');
      spec.escapeWhitespaces = reader.bool();
    } else {
      reader.skip(wireType);
    }
  }
  return spec;
}
