// bsoncheck reads and writes mongodump directories with MongoDB's Go BSON library
// (go.mongodb.org/mongo-driver/bson, the library mongodump/mongorestore are built on), so the
// tests can check our backups against an independent implementation of the format.
//
//	bsoncheck read DIR   print {"collections": {name: {count, indexes, type}}} for DIR/*.bson
//	bsoncheck write DIR  write widgets.bson + widgets.metadata.json as mongodump would
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
)

// IndexDocument and Metadata mirror mongo-tools' types for *.metadata.json.
type IndexDocument struct {
	Options                 bson.M `bson:",inline"`
	Key                     bson.D `bson:"key"`
	PartialFilterExpression bson.D `bson:"partialFilterExpression,omitempty"`
}

type Metadata struct {
	Options        bson.D           `bson:"options,omitempty"`
	Indexes        []*IndexDocument `bson:"indexes"`
	UUID           string           `bson:"uuid,omitempty"`
	CollectionName string           `bson:"collectionName,omitempty"`
	Type           string           `bson:"type,omitempty"`
}

type summary struct {
	Count   int      `json:"count"`
	Indexes []string `json:"indexes"`
	Type    string   `json:"type"`
}

func readBSONFile(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	count := 0
	header := make([]byte, 4)
	for {
		if _, err := io.ReadFull(f, header); err != nil {
			if errors.Is(err, io.EOF) {
				return count, nil
			}
			return count, fmt.Errorf("%s: document %d: %w", path, count, err)
		}
		size := int(binary.LittleEndian.Uint32(header))
		if size < 5 || size > 16*1024*1024+16*1024 {
			return count, fmt.Errorf("%s: document %d: invalid size %d", path, count, size)
		}
		doc := make([]byte, size)
		copy(doc, header)
		if _, err := io.ReadFull(f, doc[4:]); err != nil {
			return count, fmt.Errorf("%s: document %d: %w", path, count, err)
		}
		if err := bson.Raw(doc).Validate(); err != nil {
			return count, fmt.Errorf("%s: document %d: %w", path, count, err)
		}
		var decoded bson.D
		if err := bson.Unmarshal(doc, &decoded); err != nil {
			return count, fmt.Errorf("%s: document %d: %w", path, count, err)
		}
		count++
	}
}

func read(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.bson"))
	if err != nil {
		return err
	}
	out := map[string]summary{}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".bson")
		count, err := readBSONFile(path)
		if err != nil {
			return err
		}
		s := summary{Count: count, Indexes: []string{}}
		raw, err := os.ReadFile(filepath.Join(dir, name+".metadata.json"))
		if err == nil {
			var meta Metadata
			if err := bson.UnmarshalExtJSON(raw, true, &meta); err != nil {
				return fmt.Errorf("%s.metadata.json: %w", name, err)
			}
			for _, index := range meta.Indexes {
				if len(index.Key) == 0 {
					return fmt.Errorf("%s.metadata.json: an index without key", name)
				}
				s.Indexes = append(s.Indexes, fmt.Sprint(index.Options["name"]))
			}
			s.Type = meta.Type
		}
		out[name] = s
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"collections": out})
}

func write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	price, _ := primitive.ParseDecimal128("19.99")
	when := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	docs := []bson.D{
		{{Key: "_id", Value: primitive.NewObjectID()}, {Key: "sku", Value: "W-1"}, {Key: "price", Value: price},
			{Key: "madeAt", Value: primitive.NewDateTimeFromTime(when)}, {Key: "stock", Value: int64(1 << 40)},
			{Key: "tags", Value: bson.A{"a", "b"}}, {Key: "name", Value: "小工具"}},
		{{Key: "_id", Value: primitive.NewObjectID()}, {Key: "sku", Value: "W-2"},
			{Key: "blob", Value: primitive.Binary{Subtype: 0, Data: []byte{0, 1, 2}}},
			{Key: "dims", Value: bson.D{{Key: "w", Value: 1.5}, {Key: "h", Value: int32(2)}}}},
		{{Key: "_id", Value: "string-id"}, {Key: "sku", Value: "W-3"}, {Key: "gone", Value: nil}},
	}
	f, err := os.Create(filepath.Join(dir, "widgets.bson"))
	if err != nil {
		return err
	}
	defer f.Close()
	for _, doc := range docs {
		raw, err := bson.Marshal(doc)
		if err != nil {
			return err
		}
		if _, err := f.Write(raw); err != nil {
			return err
		}
	}
	meta := Metadata{
		Indexes: []*IndexDocument{
			{Options: bson.M{"v": int32(2), "name": "_id_"}, Key: bson.D{{Key: "_id", Value: int32(1)}}},
			{Options: bson.M{"v": int32(2), "name": "sku_1", "unique": true}, Key: bson.D{{Key: "sku", Value: int32(1)}}},
		},
		UUID:           "3b241101e2bb42558caf4136c566a962",
		CollectionName: "widgets",
		Type:           "collection",
	}
	raw, err := bson.MarshalExtJSON(meta, true, false)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "widgets.metadata.json"), raw, 0o644)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bsoncheck read|write DIR")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "read":
		err = read(os.Args[2])
	case "write":
		err = write(os.Args[2])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bsoncheck:", err)
		os.Exit(1)
	}
}
